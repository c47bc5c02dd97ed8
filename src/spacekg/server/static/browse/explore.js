// Neighbourhood graph of one entity with Cytoscape (served locally); click a node to open it.
(function () {
  "use strict";
  var el = document.getElementById("cy");
  if (!el || typeof window.cytoscape === "undefined") return;
  fetch(el.dataset.src, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var elements = [];
      data.nodes.forEach(function (n) {
        elements.push({ data: { id: n.id, label: n.label, href: n.href }, classes: n.center ? "center" : "" });
      });
      data.edges.forEach(function (e) {
        elements.push({ data: { id: e.id, source: e.source, target: e.target, label: e.label },
                        classes: e.inferred ? "inferred" : "" });
      });
      var cy = window.cytoscape({
        container: el,
        elements: elements,
        layout: { name: "cose", animate: false, nodeRepulsion: 9000, idealEdgeLength: 120 },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 11, "background-color": "#0b5cad",
            "text-wrap": "wrap", "text-max-width": 120, width: 14, height: 14 } },
          { selector: "node.center", style: { "background-color": "#d9480f", width: 24, height: 24, "font-weight": "bold" } },
          { selector: "edge", style: { label: "data(label)", "font-size": 9, "curve-style": "bezier",
            "target-arrow-shape": "triangle", width: 1.5, "line-color": "#8c959f", "target-arrow-color": "#8c959f",
            color: "#57606a" } },
          { selector: "edge.inferred", style: { "line-style": "dashed" } },
        ],
      });
      cy.on("tap", "node", function (evt) {
        var href = evt.target.data("href");
        if (href) window.location.href = href;
      });
    });
})();
