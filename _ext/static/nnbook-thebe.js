// Live code: start Thebe with this page's configuration (the <script type="text/x-thebe-config">
// written by _ext/publishing.py). sphinx-thebe 0.3.1 calls thebelab.bootstrap() without options;
// Thebe 0.9 then connects to Binder but never asks for a kernel (it reads requestKernel from the
// call's options only), so no cell could run. Replaces sphinx-thebe's initThebe once every script
// of the page has run; the theme's "Live code" entry (initThebeSBT) calls it.
window.addEventListener("load", () => {
  if (typeof window.initThebe !== "function") return;
  const pageConfig = () => {
    const script = document.querySelector('script[type="text/x-thebe-config"]');
    return script ? JSON.parse(script.textContent) : {};
  };
  const start = () => {
    configureThebe();
    modifyDOMForThebe();
    thebelab.bootstrap(Object.assign({ requestKernel: true }, pageConfig()));
  };
  window.initThebe = () => {
    if (typeof thebelab !== "undefined") return start();
    const script = document.createElement("script");
    script.src = THEBE_JS_URL; // the site's own copy (_static/thebe/index.js)
    script.addEventListener("load", start);
    document.head.appendChild(script);
  };
});
