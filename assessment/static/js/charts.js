/* Draws every element with a data-figure attribute (a plotly figure as JSON) once plotly.js is loaded.
   A same-origin file, so pages keep script-src 'self'. */
(function () {
  "use strict";

  function openOnClick(element) {
    var template = element.getAttribute("data-click-url");
    if (!template) {
      return;
    }
    element.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.customdata) {
        return;
      }
      var kode = String(point.customdata[0]);
      // Only a region code goes into the URL, and the URL stays on this site.
      if (!/^[0-9.]+$/.test(kode) || template.charAt(0) !== "/") {
        return;
      }
      window.location.assign(template.replace("__kode__", encodeURIComponent(kode)));
    });
  }

  function draw(element) {
    var figure;
    try {
      figure = JSON.parse(element.getAttribute("data-figure"));
    } catch (error) {
      element.setAttribute("data-error", "figure");
      return;
    }
    var config = { responsive: true, displaylogo: false, displayModeBar: false };
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-drawn", "true");
      openOnClick(element);
    });
  }

  function drawAll() {
    if (!window.Plotly) {
      return;
    }
    var elements = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < elements.length; i += 1) {
      draw(elements[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
