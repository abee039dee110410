import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renderLine, TraceParser } from '../../../../src/core/tail/trace-parser';

const ESC = '\u001b';
const CLEAR = `${ESC}[0K`;

test("colours become styled spans over plain text; GitLab's `ESC[0;m` resets", () => {
  const line = renderLine(`${ESC}[32;1mJob succeeded${ESC}[0;m and ${ESC}[38;5;196mred${ESC}[0m`);
  assert.equal(line.text, 'Job succeeded and red');
  assert.deepEqual(line.spans, [
    { start: 0, end: 13, style: { fg: 'green', bold: true } },
    { start: 18, end: 21, style: { fg: '#ff0000' } },
  ]);
});

test('stripping leaves no escape debris, including cursor and erase sequences', () => {
  const line = renderLine(`${CLEAR}${ESC}[36;1mPreparing${ESC}[0;m${ESC}[?25l done${ESC}=`);
  assert.equal(line.text, 'Preparing done');
  assert.doesNotMatch(line.text, /[\u0000-\u001f]/);
});

test('a carriage return overwrites like a terminal: the last progress state wins', () => {
  assert.equal(renderLine('Downloading 10%\rDownloading 55%\rDownloading 100%').text, 'Downloading 100%');
  assert.equal(renderLine('long old text\rnew').text, 'newg old text');
  assert.equal(renderLine(`long old text\r${CLEAR}new`).text, 'new');
  assert.equal(renderLine('windows line\r').text, 'windows line');
});

test('sections: markers vanish, the header line starts the section, the end carries the duration', () => {
  const parser = new TraceParser();
  const trace = [
    `${CLEAR}Running with gitlab-runner 17.11.0`,
    `section_start:1700000000:get_sources\r${CLEAR}${CLEAR}${ESC}[36;1mGetting source from Git repository${ESC}[0;m`,
    'Fetching changes...',
    'Checking out abc123...',
    `section_end:1700000003:get_sources\r${CLEAR}`,
    `section_start:1700000003:step_script[collapsed=true]\r${CLEAR}Executing "step_script"`,
    '$ make test',
    `section_end:1700000125:step_script\r${CLEAR}`,
    'Job succeeded',
    '',
  ].join('\n');
  const update = parser.push(trace);
  assert.deepEqual(
    update.lines.map((l) => l.text),
    [
      'Running with gitlab-runner 17.11.0',
      'Getting source from Git repository',
      'Fetching changes...',
      'Checking out abc123...',
      'Executing "step_script"',
      '$ make test',
      'Job succeeded',
    ],
  );
  const sections = parser.sections.map(({ name, startLine, endLine, durationSec, collapsed }) => ({
    name,
    startLine,
    endLine,
    durationSec,
    collapsed,
  }));
  assert.deepEqual(sections, [
    { name: 'get_sources', startLine: 1, endLine: 3, durationSec: 3, collapsed: false },
    { name: 'step_script', startLine: 4, endLine: 5, durationSec: 122, collapsed: true },
  ]);
  assert.deepEqual(
    update.ended.map((s) => s.name),
    ['get_sources', 'step_script'],
  );
});

test('fed in arbitrary chunks, the parser gives the same lines and sections as fed at once', () => {
  const trace = `a\nsection_start:10:s\r${CLEAR}${ESC}[33mHeader${ESC}[0m\nbody 50%\rbody 100%\nsection_end:12:s\r${CLEAR}\ntail`;
  const whole = new TraceParser();
  const expected = [...whole.push(trace).lines, ...whole.flush().lines];
  for (const size of [1, 2, 5, 7]) {
    const chunked = new TraceParser();
    const lines = [];
    for (let i = 0; i < trace.length; i += size) lines.push(...chunked.push(trace.slice(i, i + size)).lines);
    lines.push(...chunked.flush().lines);
    assert.deepEqual(lines, expected, `chunks of ${size}`);
    assert.deepEqual(chunked.sections, whole.sections);
  }
  assert.deepEqual(
    expected.map((l) => l.text),
    ['a', 'Header', 'body 100%', 'tail'],
  );
  assert.deepEqual(expected[1].spans, [{ start: 0, end: 6, style: { fg: 'yellow' } }]);
});

test('an unfinished line waits for its newline until the trace is flushed', () => {
  const parser = new TraceParser();
  assert.deepEqual(parser.push('half').lines, []);
  assert.deepEqual(
    parser.push(' line\nnext').lines.map((l) => l.text),
    ['half line'],
  );
  assert.deepEqual(
    parser.flush().lines.map((l) => l.text),
    ['next'],
  );
});
