// vcrproxy's Node preload, loaded by `NODE_OPTIONS=--require <this file>` in the environment
// vcrproxy gives a command. Node's built-in fetch (and so the openai npm package and the Vercel
// AI SDK) ignores HTTPS_PROXY before Node 24, and from 24 on honours it only with
// NODE_USE_ENV_PROXY=1 (which vcrproxy sets). On older Node, when the project can resolve the
// `undici` package, its EnvHttpProxyAgent becomes the global dispatcher that built-in fetch
// uses; otherwise one line on stderr says what to install. Never throws: a preload that fails
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
    for (const base of bases) {
      try {
        undici = createRequire(base)('undici');
        break;
      } catch (e) {
        // not resolvable from here: try the next base
      }
    }
    if (undici && typeof undici.EnvHttpProxyAgent === 'function') {
      undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent());
      return;
    }
    if (!env.VCRPROXY_NODE_HINTED) {
      env.VCRPROXY_NODE_HINTED = '1'; // once per process tree: children inherit it
      process.stderr.write(
        `vcrproxy: Node ${process.versions.node}'s fetch ignores HTTPS_PROXY (Node < 24): ` +
          '`npm install --save-dev undici` in this project lets vcrproxy route it, ' +
          'or use Node >= 24\n',
      );
    }
  } catch (e) {
    // never break the program we were preloaded into
  }
})();
