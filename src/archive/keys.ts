import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db, Queryable } from '../platform/index.js';
import { AppError } from '../core/index.js';

export const ROLES = ['reader', 'archivist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role can do what the ones before it can. */
export function allows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  secret_hash: string;
  created_at: string | Date;
  last_used_at: string | Date | null;
  revoked_at: string | Date | null;
}

// The key is `sa_<id>_<secret>`: the id finds the row, the secret is compared with its hash.
const KEY_FORMAT = /^sa_([a-z0-9]{10})_([A-Za-z0-9_-]{32,})$/;
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

function toKey(r: KeyRow): ApiKey {
  return { id: r.id, name: r.name, role: r.role, createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) };
}

/** API keys, stored hashed; and the audit log of what was done with them. */
export class KeyStore {
  /**
   * Verified keys for a few seconds, so a busy client costs no database round trip per request. A revocation
   * made by another process (the CLI) takes effect within `verifyTtlMs`.
   */
  private readonly verified: LRUCache<string, { key: ApiKey | false }>;

  constructor(
    private readonly db: Db,
    verifyTtlMs = 10_000,
  ) {
    this.verified = new LRUCache({ max: 1000, ttl: Math.max(1, verifyTtlMs) });
  }

  /** Creates a key and returns it with its secret, which is not stored and cannot be shown again. */
  async create(name: string, role: Role): Promise<{ key: string; record: ApiKey }> {
    if (!ROLES.includes(role)) throw new AppError('bad_request', `role must be one of ${ROLES.join(', ')}`);
    const id = randomBytes(8).toString('hex').slice(0, 10);
    const secret = randomBytes(24).toString('base64url');
    const [row] = await this.db.query<KeyRow>(
      'INSERT INTO api_keys (id, name, role, secret_hash) VALUES ($1, $2, $3, $4) RETURNING *',
      [id, name, role, hash(secret)],
    );
    await audit(this.db, 'cli', 'key.create', id, { name, role });
    return { key: `sa_${id}_${secret}`, record: toKey(row) };
  }

  async revoke(id: string, actor = 'cli'): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    if (rows.length) await audit(this.db, actor, 'key.revoke', id, null);
    this.verified.clear();
    return rows.length > 0;
  }

  async list(): Promise<ApiKey[]> {
    return (await this.db.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at')).map(toKey);
  }

  /** The key's record when the presented key is valid and not revoked; null otherwise. */
  async verify(presented: string): Promise<ApiKey | null> {
    const m = KEY_FORMAT.exec(presented.trim());
    if (!m) return null;
    const hit = this.verified.get(presented.trim());
    if (hit) return hit.key || null;
    const key = await this.lookup(m[1], m[2]);
    this.verified.set(presented.trim(), { key: key ?? false });
    return key;
  }

  /** Appends an entry to the audit log (see audit). */
  async audit(actor: string, action: string, target: string | null, details: unknown): Promise<void> {
    await audit(this.db, actor, action, target, details);
  }

  /** The newest `limit` entries of the audit log, newest first (see auditLog). */
  async auditLog(limit = 100): Promise<AuditEntry[]> {
    return auditLog(this.db, limit);
  }

  private async lookup(id: string, secret: string): Promise<ApiKey | null> {
    const m = [null, id, secret] as const;
    const [row] = await this.db.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [m[1]]);
    if (!row || row.revoked_at) return null;
    const a = Buffer.from(row.secret_hash, 'hex');
    const b = Buffer.from(hash(m[2]), 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    // Best effort: a failed bookkeeping write must not refuse a valid key.
    this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]).catch(() => {});
    return toKey(row);
  }
}

export async function audit(db: Queryable, actor: string, action: string, target: string | null, details: unknown): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4::jsonb)', [
    actor,
    action,
    target,
    JSON.stringify(details ?? null),
  ]);
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

export async function auditLog(db: Queryable, limit = 100): Promise<AuditEntry[]> {
  const rows = await db.query<{ at: string | Date; actor: string; action: string; target: string | null; details: unknown }>(
    'SELECT at, actor, action, target, details FROM audit_log ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ ...r, at: iso(r.at)! }));
}
