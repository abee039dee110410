// Bench only (copied by bench/vscode.ts into a copy of Runner Ops' package.json, never packaged):
// the render floor. Each Runner Ops view is served from memory with the tree the real extension
// showed in the same run (shape.json beside this file: labels, icons, which rows are expanded),
// so its time to rows is what VS Code itself takes to draw that tree: no request, no bundle.
const vscode = require('vscode');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

exports.activate = (context) => {
  const shape = JSON.parse(readFileSync(join(__dirname, 'shape.json'), 'utf8'));
  for (const [id, roots] of Object.entries(shape)) {
    const provider = {
      getChildren: (node) => (node ? (node.children ?? []) : roots),
      getTreeItem: (node) => {
        const item = new vscode.TreeItem(node.label, node.state);
        item.description = node.description;
        if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      },
    };
    context.subscriptions.push(vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true }));
  }
};

exports.deactivate = () => {};
