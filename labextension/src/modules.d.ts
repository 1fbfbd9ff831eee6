// elkjs's worker script, bundled as text by rspack.config.js (`type: 'asset/source'`).
declare module 'elkjs/lib/elk-worker.min.js' {
  const source: string;
  export default source;
}
