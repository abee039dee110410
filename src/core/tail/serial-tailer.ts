// Tails a VM's serial port: the last few KB first, then what follows, with visible markers when
// the 1 MB buffer moved past the cursor or the VM restarted.
import type { LineBuffer } from './line-buffer';
import type { SerialSource } from './ports';
import { SerialCursor } from './serial-cursor';
import type { PollResult, Tailer } from './tail-session';

// Console colours (systemd's "[  OK  ]") and stray carriage returns; the console is not a terminal here.
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

export const lostMarker = (bytes: number) => `[${bytes} bytes lost]`;
export const RESTART_MARKER = '[VM restarted]';

export class SerialTailer implements Tailer {
  constructor(
    private readonly source: SerialSource,
    private readonly port: number,
    private readonly cursor = new SerialCursor(),
  ) {}

  async poll(buffer: LineBuffer): Promise<PollResult> {
    const read = await this.source.read(this.port, this.cursor.nextStart());
    const step = this.cursor.accept(read);
    for (const event of step.events) {
      if (event.kind === 'text')
        buffer.appendText(event.text.replace(CSI, '').replace(/\r+\n/g, '\n').replace(/\r/g, ''));
      else if (event.kind === 'lost') buffer.appendMarker(lostMarker(event.bytes));
      else buffer.appendMarker(RESTART_MARKER);
    }
    return { gotData: step.events.length > 0, again: step.readAgain };
  }
}
