// Terminal colours for the command line's own messages: only when the stream is
// a terminal, and never when NO_COLOR is set (https://no-color.org).

import { styleText } from 'node:util';

export type Colour = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  const noColour = process.env.NO_COLOR;
  return stream.isTTY === true && (noColour === undefined || noColour === '');
}

export function paint(colour: Colour, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  // useColour is the one policy: styleText's own check of process.stdout would
  // also turn colours off wherever a CI variable is set, even on a terminal.
  return useColour(stream) ? styleText(colour, text, { validateStream: false }) : text;
}
