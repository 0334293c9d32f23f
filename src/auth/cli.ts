import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { KeyStore, ROLES, auditLog, type Role } from './keys.js';

async function withKeys<T>(fn: (keys: KeyStore, db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig());
  try {
    return await fn(new KeyStore(db), db);
  } finally {
    await db.close();
  }
}

/** `keys create|list|revoke` and `audit`: managing access needs the database, not the API. */
export function keyCommands(): Command[] {
  const keys = new Command('keys').description('API keys: create, list, revoke');
  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES as unknown as string[]).makeOptionMandatory())
    .option('--name <name>', 'who or what the key is for', 'unnamed')
    .action(async (o: { role: Role; name: string }) => {
      const { key, record } = await withKeys((k) => k.create(o.name, o.role));
      console.log(key);
      console.error(`created ${record.role} key ${record.id} ("${record.name}"); store it now, it cannot be shown again`);
    });
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .action(async () => {
      const list = await withKeys((k) => k.list());
      for (const k of list) {
        console.log(`${k.id}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\t${k.lastUsedAt ?? 'never used'}\t${k.name}`);
      }
      if (list.length === 0) console.error('no keys yet: `keys create --role archivist --name <who>`');
    });
  keys
    .command('revoke')
    .argument('<id>', 'the key id (second field of the key, or from `keys list`)')
    .action(async (id: string) => {
      const ok = await withKeys((k) => k.revoke(id));
      if (!ok) {
        console.error(`error: no active key "${id}"`);
        process.exitCode = 2;
      } else console.error(`revoked ${id}`);
    });
  const audit = new Command('audit')
    .description('show the audit log (deletions, key changes), newest first')
    .option('--limit <n>', 'entries', (v) => parseInt(v, 10), 50)
    .action(async (o: { limit: number }) => {
      const entries = await withKeys((_k, db) => auditLog(db, o.limit));
      for (const e of entries) console.log(`${e.at}\t${e.actor}\t${e.action}\t${e.target ?? ''}\t${JSON.stringify(e.details)}`);
    });
  return [keys, audit];
}
