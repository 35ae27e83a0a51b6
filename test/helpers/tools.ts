import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Suites that need an outside tool (dciodvfy, pydicom, chromium, ../shared/data) skip with a one-line
 * reason on a user's machine. CI sets ROBUSTMEDSAM_REQUIRE_TOOLS=1, which turns every such skip into
 * a failure, so CI can never pass by skipping.
 */
export const REQUIRE_TOOLS = process.env.ROBUSTMEDSAM_REQUIRE_TOOLS === '1';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pythonHas(modules: string[]): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns '' when everything needed is present, else the reason to skip. Under
 * ROBUSTMEDSAM_REQUIRE_TOOLS=1 a missing tool throws instead.
 * Use: `const missing = missingTools({ commands: ['dciodvfy'] }); describe.skipIf(missing)(...)`.
 */
export function missingTools(needs: { commands?: string[]; python?: string[]; paths?: string[] }): string {
  const missing: string[] = [];
  for (const c of needs.commands ?? []) if (!commandExists(c)) missing.push(c);
  if (needs.python?.length && !pythonHas(needs.python))
    missing.push(`python3 modules ${needs.python.join(', ')}`);
  for (const p of needs.paths ?? []) if (!existsSync(p)) missing.push(p);
  if (missing.length === 0) return '';
  const reason = `missing ${missing.join(', ')}`;
  if (REQUIRE_TOOLS) throw new Error(`ROBUSTMEDSAM_REQUIRE_TOOLS=1 but ${reason}`);
  console.warn(`skipped: ${reason}`);
  return reason;
}
