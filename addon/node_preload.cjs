// vcrproxy's Node preload, loaded by `NODE_OPTIONS=--require <this file>` in the environment
// vcrproxy gives a command. Node's built-in fetch (and so the openai npm package and the Vercel
// AI SDK) ignores HTTPS_PROXY before Node 24, and from 24 on honours it only with
// NODE_USE_ENV_PROXY=1 (which vcrproxy sets). On older Node, when the project can resolve the
// `undici` package, its EnvHttpProxyAgent becomes the global dispatcher that built-in fetch
// uses; otherwise one line on stderr says what to install, or why the project's undici could
// not be used (one that does not load on this Node, as undici 8 on Node 20, or one too old). Never throws: a preload that fails
// would break the user's program.
'use strict';
(function vcrproxyPreload() {
  try {
    const env = process.env;
    const major = Number(String(process.versions.node).split('.')[0]);
    if (major >= 24 && env.NODE_USE_ENV_PROXY === '1') return;
    if (!(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy)) return;
    const path = require('path');
    const { createRequire } = require('module');
    const bases = [path.join(process.cwd(), '[vcrproxy-preload]')];
    if (process.argv[1]) bases.push(path.resolve(process.argv[1]));
    let undici = null;
    let found = null; // { where, why }: an undici that resolves but cannot be used
    for (const base of bases) {
      const req = createRequire(base);
      let where;
      try {
        where = req.resolve('undici');
      } catch (e) {
        continue; // not resolvable from here: try the next base
      }
      try {
        undici = req('undici');
      } catch (e) {
        const why = e && e.message ? `${e.name || 'Error'}: ${e.message}` : String(e);
        found = { where, why: `could not be loaded to route it (${why.split('\n')[0]})` };
        continue;
      }
      if (typeof undici.EnvHttpProxyAgent === 'function') break;
      found = { where, why: 'has no EnvHttpProxyAgent to route it (too old)' };
      undici = null;
    }
    if (undici) {
      undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent());
      return;
    }
    if (!env.VCRPROXY_NODE_HINTED) {
      env.VCRPROXY_NODE_HINTED = '1'; // once per process tree: children inherit it
      let line;
      if (found) {
        let version = ''; // (the package's own folder: the nearest package.json named undici)
        for (let dir = path.dirname(found.where); dir !== path.dirname(dir); dir = path.dirname(dir)) {
          try {
            const meta = JSON.parse(require('fs').readFileSync(path.join(dir, 'package.json')));
            if (meta.name !== 'undici') continue;
            version = ` ${meta.version}`;
          } catch (e) {
            continue; // no package.json here
          }
          break;
        }
        line = `vcrproxy: Node ${process.versions.node}'s fetch ignores HTTPS_PROXY (Node < 24), ` +
          `and this project's undici${version} ${found.why}: install an undici release made for ` +
          'this Node (see its package.json `engines`) or use Node >= 24\n';
      } else {
        line = `vcrproxy: Node ${process.versions.node}'s fetch ignores HTTPS_PROXY (Node < 24): ` +
          '`npm install --save-dev undici` in this project lets vcrproxy route it, ' +
          'or use Node >= 24\n';
      }
      process.stderr.write(line);
    }
  } catch (e) {
    // never break the program we were preloaded into
  }
})();
