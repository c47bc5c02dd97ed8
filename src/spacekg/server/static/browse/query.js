// The SPARQL page with YASGUI (served locally from /static/browse/vendor). Without JavaScript
// the plain form above runs the query on the server; with it, the editor replaces the form.
(function () {
  "use strict";
  var cfgEl = document.getElementById("query-config");
  var host = document.getElementById("yasgui");
  if (!cfgEl || !host || typeof window.Yasgui === "undefined") return;
  var cfg = JSON.parse(cfgEl.textContent);
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var textarea = document.getElementById("query-text");
  var yasgui = new window.Yasgui(host, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    // results show IRIs and datatypes with these prefixes (xsd:date, not the full IRI), besides
    // those the query declares
    yasr: { prefixes: {
      xsd: "http://www.w3.org/2001/XMLSchema#", rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
      rdfs: "http://www.w3.org/2000/01/rdf-schema#", owl: "http://www.w3.org/2002/07/owl#",
      skos: "http://www.w3.org/2004/02/skos/core#", dcterms: "http://purl.org/dc/terms/",
      prov: "http://www.w3.org/ns/prov#", oa: "http://www.w3.org/ns/oa#", wd: "http://www.wikidata.org/entity/",
      sk: cfg.base + "ontology#", skr: cfg.base + "resource/" } },
  });
  document.body.classList.add("js-editor");
  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  tab.setQuery(textarea.value);
  var server = document.getElementById("server-results");
  if (server) {
    // the server already ran this query: show the same results in the editor instead
    server.hidden = true;
    tab.query();
  }
  var examples = {};
  cfg.examples.forEach(function (e) { examples[e.id] = e; });
  document.querySelectorAll("a[data-example]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var e = examples[a.dataset.example];
      if (!e) return;
      ev.preventDefault();
      var t = yasgui.getTab();
      t.setQuery(e.query);
      t.query();
      host.scrollIntoView();
    });
  });
  // Result links to IRIs under the graph's base open the local page of that IRI.
  host.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[href]");
    if (!a) return;
    var href = a.getAttribute("href");
    if (cfg.base && href.indexOf(cfg.base) === 0) {
      ev.preventDefault();
      var rest = href.slice(cfg.base.length);
      var local = /^(resource|document|statement|evidence|mention|rule|curation|graph)\/[^#]+$/.test(rest)
        ? "/" + rest : "/page?iri=" + encodeURIComponent(href);
      var m = /^ontology#([A-Z][A-Za-z0-9]*)$/.exec(rest);
      if (m) local = "/class/" + m[1];
      window.location.href = local;
    }
  }, true);
})();
