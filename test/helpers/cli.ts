import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** `src/main/cli.ts <args>` in a child process of its own, as a user runs it; `spawned` is given the process (to kill it in cleanup). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, spawned?: (p: ChildProcess) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    spawned?.(p);
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}
