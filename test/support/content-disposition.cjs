// Jest's CommonJS loader cannot require the ESM-only content-disposition@3 that @fastify/static (used by the
// OpenAPI UI) requires. Tests never download files, so this minimal stand-in is mapped in jest.config.js.
module.exports = {
  create(filename) {
    return filename ? `attachment; filename="${String(filename).replace(/"/g, '')}"` : 'attachment';
  },
};
