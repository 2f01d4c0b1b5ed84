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
      var drill = drillLink(kode);
      if (drill) {
        window.location.assign(drill);
        return;
      }
      // A grey region (no result) carries its code alone: it has no results page to open.
      if (point.customdata.length < 2) {
        return;
      }
      window.location.assign(template.replace("__kode__", encodeURIComponent(kode)));
    });
  }

  // On a province or kabupaten dashboard the server lists, per region one level down that this viewer may open,
  // that region's dashboard: a desa's click opens the dashboard of the region it lies in. Elsewhere (a kecamatan
  // dashboard, or a region the viewer may not open) the desa's own page opens.
  function drillLink(kode) {
    var holder = document.getElementById("peta-tautan");
    var links;
    if (!holder) {
      return null;
    }
    try {
      links = JSON.parse(holder.getAttribute("data-links"));
    } catch (error) {
      return null;
    }
    for (var code in links) {
      if (Object.prototype.hasOwnProperty.call(links, code) && (kode === code || kode.indexOf(code + ".") === 0)) {
        var url = String(links[code]);
        return url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
      }
    }
    return null;
  }

  function fileName(title) {
    var name = (title || "grafik").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return name || "grafik";
  }

  function saveImage(plot, title) {
    var hidden = plot.layout.title && !plot.layout.title.text;
    var restore = function () {
      return hidden ? window.Plotly.relayout(plot, { "title.text": "" }) : null;
    };
    var ready = hidden ? window.Plotly.relayout(plot, { "title.text": title }) : Promise.resolve();
    ready.then(function () {
      return window.Plotly.downloadImage(plot, { format: "png", filename: fileName(title), scale: 2 });
    }).then(restore, restore);
  }

  function draw(element) {
    var figure;
    try {
      figure = JSON.parse(element.getAttribute("data-figure"));
    } catch (error) {
      element.setAttribute("data-error", "figure");
      return;
    }
    // On the page the chart's title is the card's heading (it wraps on a phone; plotly's would be cut), so the
    // figure is drawn without it. The one modebar button is plotly's own image download (from the bundle this site
    // serves, nothing fetched elsewhere), which puts the title back into the saved PNG.
    var title = figure.layout && figure.layout.title ? figure.layout.title.text : "";
    if (title && element.hasAttribute("data-title-outside")) {
      figure.layout.title.text = "";
    }
    var label = element.getAttribute("data-save-label") || "PNG";
    var config = {
      responsive: false,  // refitted by fitToWindow below, which leaves a printed page alone
      displaylogo: false,
      displayModeBar: true,
      modeBarButtons: [[{
        name: "unduh-png",
        title: label,
        icon: window.Plotly.Icons.camera,
        click: function (plot) { saveImage(plot, title); }
      }]]
    };
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(function () {
      element.setAttribute("data-drawn", "true");
      openOnClick(element);
      if (element.hasAttribute("data-click-url")) {
        printCopy(element);
      }
    });
  }

  // A map is drawn with WebGL, whose picture a browser does not keep for printing (it prints blank). Once the page
  // is idle, plotly's own image export makes a copy that only the print stylesheet shows.
  function printCopy(element) {
    var later = window.requestIdleCallback || function (callback) { return window.setTimeout(callback, 1000); };
    later(function () {
      window.Plotly.toImage(element, { format: "png", scale: 1 }).then(function (url) {
        var image = document.createElement("img");
        image.src = url;
        image.alt = element.getAttribute("data-alt") || "";
        image.className = "print-only";
        element.parentNode.insertBefore(image, element.nextSibling);
        element.setAttribute("data-print-copy", "true");
      });
    });
  }


  // Charts follow the window's width, except while the page is being printed: the print stylesheet lays the
  // charts out for the widths they were drawn at on screen, and printing must not redraw them at the paper's.
  var fitTimer = null;
  function fitToWindow() {
    if (window.matchMedia && window.matchMedia("print").matches) {
      return;
    }
    window.clearTimeout(fitTimer);
    fitTimer = window.setTimeout(function () {
      var elements = document.querySelectorAll("[data-drawn='true']");
      for (var i = 0; i < elements.length; i += 1) {
        window.Plotly.Plots.resize(elements[i]);
      }
    }, 150);
  }
  window.addEventListener("resize", fitToWindow);

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
