// Neighbourhood graph of one entity with Cytoscape (served locally): entities only, a
// force-directed layout (cose) that keeps labelled nodes apart, stated edges solid and
// inferred ones dashed (see the legend). Click a node to open its page, double-click to
// centre the graph on it.
(function () {
  "use strict";
  var el = document.getElementById("cy");
  if (!el || typeof window.cytoscape === "undefined") return;
  fetch(el.dataset.src, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var elements = [];
      var crowded = data.nodes.length > 20;  // long labels shortened; pointing at a node shows it whole
      data.nodes.forEach(function (n) {
        elements.push({ data: { id: n.id, label: n.label, href: n.href, kind: n.classes.join(", "), depth: n.depth },
                        classes: n.center ? "center" : ("depth" + n.depth + (crowded ? " crowded" : "")) });
      });
      var centre = data.nodes[0].id;
      data.edges.forEach(function (e) {
        var outer = e.source !== centre && e.target !== centre;
        elements.push({ data: { id: e.id, source: e.source, target: e.target, label: e.label },
                        classes: (e.inferred ? "inferred" : "stated") + (outer ? " outer" : "") });
      });
      var count = document.getElementById("cy-count");
      if (count) {
        count.textContent = count.dataset.counts.replace("{n}", data.nodes.length).replace("{e}", data.edges.length) +
          (data.truncated ? " — " + count.dataset.truncated : "");
      }
      var font = getComputedStyle(document.body).fontFamily;
      var cy = window.cytoscape({
        container: el,
        elements: elements,
        minZoom: 0.2, maxZoom: 3,
        style: [
          { selector: "node", style: {
            label: "data(label)", "font-family": font, "font-size": 12, "background-color": "#0b5cad",
            "text-wrap": "wrap", "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 4,
            "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2,
            width: 16, height: 16 } },
          { selector: "node.center", style: { "background-color": "#d9480f", width: 28, height: 28,
            "font-weight": "bold", "font-size": 14 } },
          { selector: "node.depth2, node.depth3", style: { "background-color": "#6e9fd1", "font-size": 10 } },
          { selector: "edge", style: {
            label: "data(label)", "font-family": font, "font-size": 10, "curve-style": "bezier",
            "target-arrow-shape": "triangle", width: 1.5, "line-color": "#57606a", "target-arrow-color": "#57606a",
            color: "#24292f", "text-rotation": "autorotate", "text-background-color": "#ffffff",
            "text-background-opacity": 0.9, "text-background-padding": 1, "min-zoomed-font-size": 7 } },
          { selector: "edge.inferred", style: { "line-style": "dashed", "line-dash-pattern": [6, 4],
            "line-color": "#b35900", "target-arrow-color": "#b35900", color: "#7a3d00" } },
          { selector: "node.crowded", style: { "text-wrap": "ellipsis", "text-max-width": 110 } },
          { selector: "node.crowded.full", style: { "text-wrap": "wrap", "text-max-width": 200, "z-index": 20,
            "text-background-opacity": 1 } },
          // labels of edges away from the centre appear when zoomed in or pointed at
          { selector: "edge.outer", style: { "min-zoomed-font-size": 14, width: 1, opacity: 0.8 } },
          { selector: "edge.outer.hl", style: { "min-zoomed-font-size": 0, width: 2, opacity: 1, "z-index": 10 } },
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#f0a30a" } },
        ],
        // one ring: force-directed (cose), node sizes counting their labels so that labels do not
        // overlap; more rings or many nodes: hierarchical rings around the centre (breadthfirst, circle)
        layout: data.depth > 1 || data.nodes.length > 12
          ? { name: "breadthfirst", roots: [data.nodes[0].id], circle: true, animate: false,
              avoidOverlap: true, nodeDimensionsIncludeLabels: false, spacingFactor: 1.25, padding: 20 }
          : { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true,
              nodeRepulsion: function () { return 120000; }, idealEdgeLength: function () { return 90; },
              edgeElasticity: function () { return 100; }, nodeOverlap: 20, gravity: 0.8,
              numIter: 2500, componentSpacing: 80, padding: 30 },
      });
      el.dataset.ready = "1";
      cy.on("mouseover", "edge", function (evt) { evt.target.addClass("hl"); });
      cy.on("mouseout", "edge", function (evt) { evt.target.removeClass("hl"); });
      cy.on("mouseover", "node", function (evt) { evt.target.addClass("full").connectedEdges().addClass("hl"); });
      cy.on("mouseout", "node", function (evt) { evt.target.removeClass("full").connectedEdges().removeClass("hl"); });
      var pending = null;  // a tap waits briefly so that a double tap can cancel it
      cy.on("tap", "node", function (evt) {
        var href = evt.target.data("href");
        if (pending) clearTimeout(pending);
        pending = setTimeout(function () { if (href) window.location.href = href; }, 300);
      });
      cy.on("dbltap", "node", function (evt) {
        if (pending) clearTimeout(pending);
        var url = new URL(window.location.href);
        url.searchParams.set("iri", evt.target.id());
        window.location.href = url.toString();
      });
      window.spacekgGraph = cy;  // for the browser tests
    });
})();
