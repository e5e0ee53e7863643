import { constants } from 'node:os';
import type { ExitStatus } from './sandbox-driver.ts';

const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals)) {
  // First name wins: SIGABRT before its alias SIGIOT, SIGIO before SIGPOLL.
  if (!SIGNAL_BY_NUMBER.has(number)) SIGNAL_BY_NUMBER.set(number, name as NodeJS.Signals);
}

/**
 * bwrap and docker report a command killed by signal N as their own exit code 128 + N. Decode it,
 * so that a sandboxed Lean killed by SIGXCPU or SIGSEGV reads the same as an unsandboxed one. The
 * launcher's own signal (we SIGKILLed it) is kept as is.
 */
export function decodeLauncherExit(launcher: ExitStatus): ExitStatus {
  if (launcher.code !== null && launcher.code > 128) {
    const signal = SIGNAL_BY_NUMBER.get(launcher.code - 128);
    if (signal !== undefined) return { code: null, signal };
  }
  return { code: launcher.code, signal: launcher.signal };
}
