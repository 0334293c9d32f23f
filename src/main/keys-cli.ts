import { Command, Option } from 'commander';
import { loadConfig, AppError, problemsOf } from '../core/index.js';
import { ArchiveLockedError, openDatabase } from '../platform/index.js';
import { AdminRequest, runAdmin, sendAdmin, type AdminResult } from './admin.js';
import { countOption } from './options.js';
import { KeyStore, ROLES, type Role } from '../archive/index.js';

/**
 * Runs a `keys` or `audit` command on the database, or, when a running server owns the embedded database, in
 * that server through its admin socket: the same code either way, and never a second process writing.
 */
async function run<R extends AdminRequest>(req: R): Promise<AdminResult<R>> {
  const valid = AdminRequest.safeParse(req);
  if (!valid.success) throw new AppError('bad_request', problemsOf(valid.error));
  const db = await openDatabase(loadConfig()).catch((err: unknown) => {
    if (err instanceof ArchiveLockedError && err.owner?.admin) return err;
    throw err;
  });
  if (db instanceof ArchiveLockedError) {
    const owner = db.owner!;
    console.error(`(sent to the running server, pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`);
    return sendAdmin(owner.admin!, req);
  }
  try {
    return await runAdmin(new KeyStore(db), db, req);
  } finally {
    await db.close();
  }
}

/** `keys create|list|revoke` and `audit`: managing access needs the database (or its owner), not the API. */
export function keyCommands(): Command[] {
  const keys = new Command('keys').description('API keys: create, list, revoke');
  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES as unknown as string[]).makeOptionMandatory())
    .option('--name <name>', 'who or what the key is for', 'unnamed')
    .action(async (o: { role: Role; name: string }) => {
      const { key, record } = await run({ op: 'keys.create', name: o.name, role: o.role });
      console.log(key);
      console.error(`created ${record.role} key ${record.id} ("${record.name}"); store it now, it cannot be shown again`);
    });
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .action(async () => {
      const list = await run({ op: 'keys.list' });
      for (const k of list) {
        console.log(`${k.id}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\t${k.lastUsedAt ?? 'never used'}\t${k.name}`);
      }
      if (list.length === 0) console.error('no keys yet: `keys create --role archivist --name <who>`');
    });
  keys
    .command('revoke')
    .argument('<id>', 'the key id (second field of the key, or from `keys list`)')
    .action(async (id: string) => {
      const ok = await run({ op: 'keys.revoke', id });
      if (!ok) {
        console.error(`error: no active key "${id}"`);
        process.exitCode = 2;
      } else console.error(`revoked ${id}`);
    });
  const audit = new Command('audit')
    .description('show the audit log (deletions, key changes), newest first')
    .option('--limit <n>', 'entries (1-1000)', countOption('limit', 1, 1000), 50)
    .action(async (o: { limit: number }) => {
      const entries = await run({ op: 'audit', limit: o.limit });
      for (const e of entries) console.log(`${e.at}\t${e.actor}\t${e.action}\t${e.target ?? ''}\t${JSON.stringify(e.details)}`);
    });
  return [keys, audit];
}
