/**
 * Runs the instant servers on their own thread, so the client under test does not share an event
 * loop with them. Messages: { id, cmd: 'urls' | 'reset' | 'log' | 'delay' | 'close', value? }.
 */
import { parentPort } from 'node:worker_threads';
import { startInstantChatServer, startInstantConverseServer } from './sampling-servers.ts';

const servers = { chat: await startInstantChatServer(), converse: await startInstantConverseServer() };
type Name = keyof typeof servers;

parentPort!.on('message', async (message: { id: number; cmd: string; server?: Name; value?: number }) => {
  const server = servers[message.server ?? 'chat'];
  let reply: unknown = null;
  if (message.cmd === 'urls') reply = { chat: servers.chat.url, converse: servers.converse.url };
  else if (message.cmd === 'reset') server.log.reset();
  else if (message.cmd === 'log') reply = { maxInFlight: server.log.maxInFlight, arrivals: server.log.arrivals };
  else if (message.cmd === 'delay') server.delayMs = message.value ?? 0;
  else if (message.cmd === 'close') {
    await servers.chat.close();
    await servers.converse.close();
  }
  parentPort!.postMessage({ id: message.id, reply });
});
