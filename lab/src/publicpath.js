// Runs before any other module: bundles load from the static URL in the page config.
const el = document.getElementById('jupyter-config-data');
const config = el ? JSON.parse(el.textContent || '{}') : {};
// eslint-disable-next-line no-undef
__webpack_public_path__ = (config.fullStaticUrl || '') + '/';
