// Merged into @jupyter/builder's config: elkjs's worker script is bundled as a string, and
// src/elkpool.ts starts it from a Blob URL (no extra static file, no public-path setup).
module.exports = {
  module: {
    rules: [{ test: /elk-worker\.min\.js$/, type: 'asset/source' }]
  }
};
