/** dockerode ships no types; Rewind types what it uses through `DockerLike` (engine-like.ts). */
declare module 'dockerode' {
  const Docker: new (options: { socketPath: string }) => unknown;
  export default Docker;
}
