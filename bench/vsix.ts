// The .vsix a user installs: packaged from the bench's production build with `npm run package`'s
// vsce flags, in the build's temporary folder (its dist/ is the production bundles).
import { cpSync, existsSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, type Build } from './build';

export interface VsixResult {
  bytes: number;
  files: Array<{ name: string; bytes: number }>;
}

export function packageVsix(build: Build): VsixResult {
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore'])
    if (existsSync(join(ROOT, file)) && !existsSync(join(build.dir, file)))
      symlinkSync(join(ROOT, file), join(build.dir, file));
  // Copied, not linked: vsce does not follow a linked folder.
  cpSync(join(ROOT, 'media'), join(build.dir, 'media'), { recursive: true });
  const out = join(build.dir, 'runner-ops.vsix');
  const vsce = spawnSync(
    join(ROOT, 'node_modules/.bin/vsce'),
    [
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
      '-o',
      out,
    ],
    { cwd: build.dir, encoding: 'utf8', timeout: 120_000 },
  );
  if (vsce.status !== 0) throw new Error(`vsce package failed: ${vsce.stderr || vsce.stdout}`);
  const list = spawnSync('unzip', ['-l', out], { encoding: 'utf8' });
  const files = [...list.stdout.matchAll(/^\s*(\d+)\s+\S+\s+\S+\s+(extension\/\S+)$/gm)].map((m) => ({
    name: m[2].slice('extension/'.length),
    bytes: Number(m[1]),
  }));
  return { bytes: statSync(out).size, files };
}
