import { Command } from 'commander';
import { ArchiveLockedError } from '../platform/index.js';
import { countOption } from './options.js';
import type { Services } from './services.js';

type WithServices = <T>(fn: (s: Services) => Promise<T>) => Promise<T>;

const ACTOR = 'cli';

/**
 * `speakers list|recordings|rename|merge`. They open the archive as `ingest` does, so with the embedded database
 * they run only while no server has it (exit 3 otherwise, naming the owner); a running server names speakers
 * over its API instead, which this says.
 */
export function speakerCommands(withServices: WithServices): Command {
  const run = async <T>(fn: (s: Services) => Promise<T>): Promise<T> => {
    try {
      return await withServices(fn);
    } catch (err) {
      if (err instanceof ArchiveLockedError && err.owner?.url) {
        console.error(
          `To name speakers while the server runs: PUT ${err.owner.url}/v1/recordings/<id>/speakers/<label> with {"name": "…"}, ` +
            'or POST …/speakers/merge with {"labels": […], "into": "…"}, with an archivist key (or the recording page).',
        );
      }
      throw err;
    }
  };
  const ingest = () => import('../ingest/index.js');

  const cmd = new Command('speakers').description("speakers: the archive's list, one speaker's recordings, naming and merging a recording's labels");
  cmd
    .command('list')
    .description('every speaker by name, with recordings, talk time and turns; or the speakers of one recording')
    .option('--recording <id>', "one recording's speakers by label")
    .option('--prefix <text>', 'names starting with this (any case)')
    .option('--limit <n>', 'speakers (1-500)', countOption('limit', 1, 500), 100)
    .option('--offset <n>', 'skip this many', countOption('offset', 0), 0)
    .option('--json', 'print JSON')
    .action(async (o: { recording?: string; prefix?: string; limit: number; offset: number; json?: boolean }) => {
      await run(async (s) => {
        if (o.recording) {
          const list = await (await ingest()).recordingSpeakers(s, o.recording);
          if (o.json) return console.log(JSON.stringify({ recording_id: o.recording, speakers: list }, null, 2));
          for (const x of list) console.log(`${x.label}\t${x.named ? x.name : '(no name)'}\t${clock(x.seconds)}\t${turns(x.turns)}`);
          return;
        }
        const page = await s.speakers.list({ q: o.prefix, limit: o.limit, offset: o.offset });
        if (o.json) return console.log(JSON.stringify(page, null, 2));
        for (const x of page.items) console.log(`${x.name}\t${x.recordings} recording${x.recordings === 1 ? '' : 's'}\t${clock(x.seconds)}\t${turns(x.turns)}`);
        console.error(`${page.items.length} of ${page.total} speakers`);
      });
    });
  cmd
    .command('recordings')
    .description('the recordings one speaker (by name, any case) speaks in, most talk first')
    .argument('<name>')
    .action(async (name: string) => {
      await run(async (s) => {
        const found = await s.speakers.recordingsOf(name, { limit: 500, offset: 0 });
        if (!found) {
          console.error(`error: no recording has a speaker "${name}"`);
          process.exitCode = 2;
          return;
        }
        for (const r of found.items) console.log(`${r.recordingId}\t${r.recordedAt ?? 'undated'}\t${clock(r.seconds)}\t${r.title}`);
      });
    });
  cmd
    .command('rename')
    .description("name a speaker label of a recording (SPEAKER_00, or the name it has now); kept across re-ingests")
    .argument('<recording>')
    .argument('<label>')
    .argument('<name>')
    .action(async (recording: string, label: string, name: string) => {
      await run(async (s) => {
        const r = await (await ingest()).renameSpeakers(s, recording, [label], name, ACTOR);
        console.log(`${recording}: ${r.labels.join(', ')} → ${r.name}`);
      });
    });
  cmd
    .command('merge')
    .description('merge labels of a recording into one speaker: each shows the name of <into> (a label or name of it, or a new name)')
    .argument('<recording>')
    .argument('<into>')
    .argument('<labels...>')
    .action(async (recording: string, into: string, labels: string[]) => {
      await run(async (s) => {
        const r = await (await ingest()).mergeSpeakers(s, recording, labels, into, ACTOR);
        console.log(`${recording}: ${r.labels.join(', ')} → ${r.name}`);
      });
    });
  return cmd;
}

const turns = (n: number) => `${n} turn${n === 1 ? '' : 's'}`;

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
