// VS Code refuses modal dialogs during extension tests, so suites answer the extension's one
// `confirmation.ask` (src/commands/confirm.ts, exported by activate) and keep the questions asked.
import * as vscode from 'vscode';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;

/** From now on every confirmation is answered `answer`; returns the questions as they are asked. */
export function answerConfirmations(answer: boolean): string[] {
  const asked: string[] = [];
  api().confirmation.ask = async (message: string) => {
    asked.push(message);
    return answer;
  };
  return asked;
}
