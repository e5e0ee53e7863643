import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPromptTemplate, NO_INFORMAL_STATEMENT, renderPrompt } from '../../../pipeline/sample/prompt.ts';

const root = join(import.meta.dirname, '..', '..', '..');
let dir = '';
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'proofline-prompt-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const problem = { id: 'p1', header: 'import Mathlib\n\n', formal_statement: 'theorem p1 : 1 + 1 = 2 := by sorry', informal_statement: 'Show $1+1=2$ (costs $$).' };

describe('prompt templates', () => {
  test('the shipped v1 template renders the informal statement, header and statement verbatim', () => {
    const template = loadPromptTemplate(join(root, 'datasets/prompts/lean4-proof-v1.yaml'));
    const prompt = renderPrompt(template, problem);
    expect(prompt.version).toBe('lean4-proof-v1');
    expect(prompt.user).toContain('Show $1+1=2$ (costs $$).');
    expect(prompt.user).toContain('```lean4\nimport Mathlib\n\ntheorem p1 : 1 + 1 = 2 := by sorry\n```');
    expect(prompt.user).not.toMatch(/\{\{/u);
    expect(prompt.estimatedTokens).toBe(Math.ceil(Buffer.byteLength(prompt.system + prompt.user) / 3));
  });

  test('a problem without an informal statement says so instead of leaving a blank', () => {
    const template = loadPromptTemplate(join(root, 'datasets/prompts/lean4-proof-v1.yaml'));
    const { informal_statement: _, ...bare } = problem;
    expect(renderPrompt(template, bare).user).toContain(NO_INFORMAL_STATEMENT);
  });

  test('an unknown placeholder or a missing version is a config error naming the file', async () => {
    const typo = join(dir, 'typo.yaml');
    await writeFile(typo, 'version: t-1\nsystem: s\nuser: "{{formal_statment}}"\n');
    expect(() => loadPromptTemplate(typo)).toThrow(/typo\.yaml: unknown placeholder \{\{formal_statment\}\}/u);
    const noVersion = join(dir, 'nov.yaml');
    await writeFile(noVersion, 'system: s\nuser: u\n');
    expect(() => loadPromptTemplate(noVersion)).toThrow(/nov\.yaml is invalid: `version`/u);
  });
});
