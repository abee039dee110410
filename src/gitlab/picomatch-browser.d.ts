// picomatch-browser (gitbeaker's glob matcher) ships no types: the one call Runner Ops makes.
declare module 'picomatch-browser' {
  export default function picomatch(glob: string): (input: string) => boolean;
}
