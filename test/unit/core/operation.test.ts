import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Journals,
  OperationCancelled,
  runOperation,
  stoppedSentence,
  type Journal,
  type Step,
} from '../../../src/core/operation';

/** globalState as a Map, with every saved journal copied (as VS Code serialises it). */
function memoryStore() {
  const map = new Map<string, unknown>();
  return {
    map,
    store: {
      get: (k: string) => (map.has(k) ? structuredClone(map.get(k)) : undefined),
      update: async (k: string, v: unknown) => void (v === undefined ? map.delete(k) : map.set(k, structuredClone(v))),
      keys: () => [...map.keys()],
    },
  };
}

const hooks = (lines: string[] = []) => ({
  log: (line: string) => lines.push(line),
  report: () => undefined,
  now: () => 1_000,
});

const journalFor = (state: { items: string[] }): Journal<{ items: string[] }> => ({
  kind: 'test',
  target: 'worker-b',
  command: 'runnerOps.test',
  title: 'Test run',
  startedAt: 1,
  done: [],
  state,
});

function stepsRecording(ran: string[], failAt?: string): Step<{ items: string[] }>[] {
  return ['pause', 'drain', 'recreate', 'resume'].map((id) => ({
    id,
    title: id[0].toUpperCase() + id.slice(1),
    run: async (context) => {
      if (id === failAt) throw new Error(`${id} broke`);
      ran.push(id);
      context.journal.state.items.push(id);
      await context.save();
    },
  }));
}

test('a run does every step in order and forgets its journal when done', async () => {
  const { store, map } = memoryStore();
  const ran: string[] = [];
  const outcome = await runOperation(
    new Journals(store),
    journalFor({ items: [] }),
    stepsRecording(ran),
    new AbortController().signal,
    hooks(),
  );
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.deepEqual(ran, ['pause', 'drain', 'recreate', 'resume']);
  assert.equal(map.size, 0);
});

test('a failed step leaves the journal saying where; the next run resumes there and skips what was done', async () => {
  const { store } = memoryStore();
  const journals = new Journals(store);
  const first: string[] = [];
  const failed = await runOperation(
    journals,
    journalFor({ items: [] }),
    stepsRecording(first, 'recreate'),
    new AbortController().signal,
    hooks(),
  );
  assert.equal(failed.outcome, 'failed');
  assert.deepEqual(first, ['pause', 'drain']);
  const saved = journals.find<{ items: string[] }>('test', 'worker-b');
  assert.ok(saved);
  assert.deepEqual(saved.done, ['pause', 'drain']);
  assert.deepEqual(saved.state.items, ['pause', 'drain']);
  assert.equal(stoppedSentence(saved, stepsRecording([])), 'stopped at step 3 of 4 (Recreate): recreate broke');
  assert.deepEqual(
    journals.unfinished().map((j) => j.title),
    ['Test run'],
  );

  const second: string[] = [];
  const lines: string[] = [];
  const resumed = await runOperation(
    journals,
    saved,
    stepsRecording(second),
    new AbortController().signal,
    hooks(lines),
  );
  assert.deepEqual(resumed, { outcome: 'done' });
  assert.deepEqual(second, ['recreate', 'resume']);
  assert.match(lines[0], /resuming after 2 of 4 steps/);
  assert.equal(journals.unfinished().length, 0);
});

test('a cancel stops before the next step and is recorded as cancelled, not failed', async () => {
  const { store } = memoryStore();
  const journals = new Journals(store);
  const abort = new AbortController();
  const steps = stepsRecording([]);
  steps[1] = { ...steps[1], run: async () => abort.abort() };
  const outcome = await runOperation(journals, journalFor({ items: [] }), steps, abort.signal, hooks());
  assert.deepEqual(outcome, { outcome: 'cancelled', step: 'recreate' });
  const saved = journals.find('test', 'worker-b');
  assert.equal(saved?.stopped?.reason, 'cancelled');
  assert.deepEqual(saved?.done, ['pause', 'drain']);
});

test('a step that throws OperationCancelled is a cancel, and its own saved progress survives', async () => {
  const { store } = memoryStore();
  const journals = new Journals(store);
  const steps: Step<{ items: string[] }>[] = [
    {
      id: 'each',
      title: 'Each item',
      run: async (context) => {
        context.journal.state.items.push('first');
        await context.save();
        throw new OperationCancelled();
      },
    },
  ];
  const outcome = await runOperation(journals, journalFor({ items: [] }), steps, new AbortController().signal, hooks());
  assert.equal(outcome.outcome, 'cancelled');
  assert.deepEqual(journals.find<{ items: string[] }>('test', 'worker-b')?.state.items, ['first']);
});

test('a journal left by a crash (no stop recorded) reads as interrupted', () => {
  const journal = { ...journalFor({ items: [] }), done: ['pause'] };
  assert.equal(stoppedSentence(journal, stepsRecording([])), 'interrupted at step 2 of 4 (Drain)');
});

test('what is not a journal in the store is ignored', () => {
  const { store, map } = memoryStore();
  map.set('runnerOps.operation:test:x', { nonsense: true });
  map.set('other', 1);
  assert.deepEqual(new Journals(store).unfinished(), []);
});
