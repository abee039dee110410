// Demo only (installed by scripts/demo.mjs, never packaged): signs Runner Ops in to the sandbox
// with the real sign-in command, which checks the token against the server and stores it in
// secret storage, then shows the Runner Ops sidebar.
const vscode = require('vscode');

exports.activate = async () => {
  const url = process.env.RUNNER_OPS_DEMO_GITLAB_URL;
  const token = process.env.RUNNER_OPS_DEMO_GITLAB_TOKEN;
  if (url && token) await vscode.commands.executeCommand('runnerOps.signIn', { url, token });
  await vscode.commands.executeCommand('workbench.view.extension.runnerOps');
};
