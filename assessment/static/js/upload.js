/* Upload progress and automatic retry for evidence files. Optional: without it the form posts normally.
   A retry cannot duplicate a file: the server keys files by their SHA-256 and keeps one per indicator. */
(function () {
  "use strict";
  var RETRIES = 3;

  function send(form, data, bar, status, attempt) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
        status.textContent = bar.value + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) {
        window.location.assign(body.redirect);
      } else if (xhr.status >= 500) {
        retry(form, data, bar, status, attempt);
      } else if (body && body.message) {
        finish(form, status, body.message);
      } else {
        // A refusal without a message (an expired form, a signed-out session): retrying would not help.
        finish(form, status, form.getAttribute("data-failed"));
      }
    });
    xhr.addEventListener("error", function () { retry(form, data, bar, status, attempt); });
    xhr.addEventListener("timeout", function () { retry(form, data, bar, status, attempt); });
    xhr.send(data);
  }

  function retry(form, data, bar, status, attempt) {
    if (attempt >= RETRIES) {
      finish(form, status, form.getAttribute("data-failed") || "Unggahan gagal. Periksa sinyal lalu tekan Unggah lagi.");
      return;
    }
    status.textContent = (form.getAttribute("data-retrying") || "Koneksi terputus, mencoba lagi") +
      " (" + (attempt + 1) + "/" + RETRIES + ")…";
    window.setTimeout(function () { send(form, data, bar, status, attempt + 1); }, 1500 * (attempt + 1));
  }

  function finish(form, status, message) {
    status.textContent = message;
    form.querySelector("button[type=submit]").disabled = false;
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!window.FormData || !input || !input.files.length) { return; }
      event.preventDefault();
      var box = form.querySelector(".progress");
      var bar = box.querySelector("progress");
      var status = box.querySelector("[data-status]");
      box.hidden = false;
      var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
      if (limit && input.files[0].size > limit) {
        // Refused before sending: the server would refuse it too, after the operator paid for the upload.
        bar.value = 0;
        status.textContent = form.getAttribute("data-too-large");
        return;
      }
      bar.value = 0;
      form.querySelector("button[type=submit]").disabled = true;
      send(form, new FormData(form), bar, status, 0);
    });
  });
}());
