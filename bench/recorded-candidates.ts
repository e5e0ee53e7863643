import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printAxiomsCommand } from '../pipeline/lean/elaboration.ts';

/** A Mathlib-style header: the double charges RECORDED_LEAN_HEADER_MS for importing it. */
export const BENCH_HEADER = 'import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat';

export interface BenchCandidate {
  id: string;
  header: string;
  formal_statement: string;
  completion: string;
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 1);

/**
 * Writes REPL transcripts in the real format (header, body, our `#print axioms`, the reference)
 * for `count` candidates sharing one header, so the recorded-Lean double can answer a benchmark.
 * Every tenth candidate has a Lean error, as real batches do. Returns the candidates and the dir
 * to pass as RECORDED_LEAN_RECORDINGS.
 */
export async function writeBenchRecordings(count: number, header = BENCH_HEADER): Promise<{ dir: string; candidates: BenchCandidate[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-bench-recordings-'));
  const candidates: BenchCandidate[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = `bench_${i}`;
    const statement = `theorem ${name} (a b : ℕ) (h₀ : a = ${i}) (h₁ : b = a + 1) : b = ${i + 1} := by sorry`;
    const isBroken = i % 10 === 9;
    const proof = isBroken ? 'by\n  rw [h₁]\n  exact h₀' : 'by\n  subst h₀\n  simp [h₁]';
    const body = `theorem ${name} (a b : ℕ) (h₀ : a = ${i}) (h₁ : b = a + 1) : b = ${i + 1} := ${proof}`;
    candidates.push({ id: name, header, formal_statement: statement, completion: `\`\`\`lean4\n${body}\n\`\`\`` });
    const requests = [{ cmd: header }, { cmd: body, env: 0 }];
    const responses: unknown[] = [{ env: 0 }];
    if (isBroken) {
      responses.push({
        messages: [{ severity: 'error', pos: { line: 3, column: 2 }, endPos: { line: 3, column: 12 }, data: `type mismatch\n  h₀\nhas type\n  a = ${i} : Prop\nbut is expected to have type\n  a + 1 = ${i + 1} : Prop` }],
        env: 1,
      });
    } else {
      responses.push({ env: 1 });
      requests.push({ cmd: printAxiomsCommand(name), env: 1 });
      responses.push({ messages: [{ severity: 'info', pos: { line: 1, column: 0 }, endPos: { line: 1, column: 12 }, data: `'${name}' depends on axioms: [propext]` }], env: 2 });
    }
    requests.push({ cmd: statement, env: 0 });
    responses.push({
      messages: [{ severity: 'warning', pos: { line: 1, column: 8 }, endPos: { line: 1, column: 8 + name.length }, data: 'declaration uses `sorry`' }],
      env: 3,
    });
    await writeFile(join(dir, `${name}.in`), requests.map((r) => JSON.stringify(r)).join('\n\n') + '\n');
    await writeFile(join(dir, `${name}.expected.out`), responses.map((r) => `${pretty(r)}\n`).join('\n'));
  }
  return { dir, candidates };
}
