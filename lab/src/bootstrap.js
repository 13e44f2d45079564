// Loads every prebuilt (federated) extension listed in the page config into the shared
// scope first, so shared modules are deduplicated, then starts the application.
function pageOption(name) {
  const el = document.getElementById('jupyter-config-data');
  const config = el ? JSON.parse(el.textContent || '{}') : {};
  return config[name] || '';
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = () => reject(new Error(`Failed to load ${url}`));
    script.onload = resolve;
    script.async = true;
    document.head.appendChild(script);
    script.src = url;
  });
}

async function loadContainer(url, scope) {
  await loadScript(url);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[scope];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

void (async () => {
  const base = pageOption('fullLabextensionsUrl');
  const results = await Promise.allSettled(
    (pageOption('federated_extensions') || []).map(ext =>
      loadContainer(`${base}/${ext.name}/${ext.load}`, ext.name)
    )
  );
  for (const r of results) {
    if (r.status === 'rejected') {
      console.error(r.reason);
    }
  }
  const { main } = await import('./index.js');
  if (document.readyState === 'complete') {
    void main();
  } else {
    window.addEventListener('load', main);
  }
})();
