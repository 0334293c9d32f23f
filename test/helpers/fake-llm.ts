import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OpenAI-compatible chat server on loopback whose replies the tests script from the excerpts it is sent. */
export interface Script {
  reply: (excerpts: Map<number, string>) => string;
  /** cut: send part of the reply, then destroy the socket. */
  mode?: 'ok' | 'cut';
}
export function startFakeLlm() {
  const requests: { stream: boolean; excerpts: Map<number, string>; user: string }[] = [];
  let script: Script = { reply: () => 'The archive excerpts do not contain an answer to this question.' };
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    const user: string = body.messages.find((m: { role: string }) => m.role === 'user').content;
    const excerpts = new Map<number, string>();
    for (const m of user.matchAll(/^\[(\d+)\] .*\n(.*)$/gm)) excerpts.set(Number(m[1]), m[2]);
    requests.push({ stream: !!body.stream, excerpts, user });
    const text = script.reply(excerpts);
    if (!body.stream) {
      if (script.mode === 'cut') return res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const pieces = text.match(/[\s\S]{1,12}/g) ?? [];
    const send = (content: string, finish: string | null) =>
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`);
    const upTo = script.mode === 'cut' ? Math.ceil(pieces.length / 2) : pieces.length;
    for (const p of pieces.slice(0, upTo)) send(p, null);
    if (script.mode === 'cut') return setTimeout(() => res.socket?.destroy(), 50);
    send('', 'stop');
    res.end('data: [DONE]\n\n');
  });
  return {
    requests,
    set: (s: Script) => void (script = s),
    listen: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`))),
    close: () => new Promise((r) => server.close(r)),
  };
}
