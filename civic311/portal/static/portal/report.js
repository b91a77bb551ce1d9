/* The report page, enhanced: a map to pick the place, "use my location", address suggestions,
   category search as you type, the chosen service's questions and the nearby requests loaded in place,
   photos shrunk in the browser (and their GPS offered as the place). Without this file the page still
   works: the server does each of these on "Search", "Continue" and "Send". */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var latInput = $("id_lat"), longInput = $("id_long"), addressInput = $("id_address");
  var statusLine = $("location-status");
  var map = null, marker = null;
  var MAX_SIDE = 1600, QUALITY = 0.85;

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function say(text) { if (statusLine) statusLine.textContent = text; }

  function point() {
    var lat = parseFloat(latInput.value), long = parseFloat(longInput.value);
    return isFinite(lat) && isFinite(long) ? [lat, long] : null;
  }

  // ---- The draft key: the page makes one if the server did not.
  var keyInput = form.elements.draft_key;
  if (keyInput && !keyInput.value && window.crypto && crypto.randomUUID) keyInput.value = crypto.randomUUID();

  // ---- Errors: the summary takes the focus, so it is read first.
  var summary = $("error-summary");
  if (summary) summary.focus();

  // ---- Location
  function setPoint(lat, long, why) {
    latInput.value = lat.toFixed(6);
    longInput.value = long.toFixed(6);
    if (map) {
      if (!marker) {
        marker = L.marker([lat, long], {draggable: true, keyboard: true, title: form.dataset.markerTitle || "", alt: form.dataset.markerTitle || ""}).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          setPoint(p.lat, p.lng, "drag");
        });
      } else {
        marker.setLatLng([lat, long]);
      }
      if (why !== "drag" && why !== "click") map.setView([lat, long], Math.max(map.getZoom(), 16));
    }
    refreshNearby();
  }

  function startMap() {
    var holder = $("report-map");
    if (!holder || !window.L || !window.civicMap) return;
    holder.hidden = false;
    $("map-actions").hidden = false;
    var here = point();
    map = window.civicMap.create(holder, here ? {center: here, zoom: 17} : {});
    if (!map) return;
    if (here) setPoint(here[0], here[1], "start");
    map.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng, "click"); });
  }

  // Coordinates typed by hand move the marker too.
  [latInput, longInput].forEach(function (input) {
    if (!input) return;
    input.addEventListener("change", function () {
      var here = point();
      if (here) setPoint(here[0], here[1], "typed");
    });
  });

  var locate = $("use-my-location");
  if (locate) {
    if (!navigator.geolocation) locate.hidden = true;
    locate.addEventListener("click", function () {
      say(statusLine.dataset.finding);
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, "gps");
        say(statusLine.dataset.found);
      }, function (error) {
        say(error.message || "✗");
      }, {enableHighAccuracy: true, timeout: 15000});
    });
  }

  // Address suggestions (a datalist the input uses): choosing one sets the point.
  var suggestions = {};
  var list = $("place-suggestions");
  if (addressInput && list) {
    addressInput.addEventListener("input", debounce(function () {
      var text = addressInput.value.trim();
      if (suggestions[text]) {
        var place = suggestions[text];
        setPoint(place.lat, place.long, "address");
        return;
      }
      // A typed place the server geocodes on "Send" (or a point the map still holds).
      if (text.length < 2) return;
      fetch(form.dataset.placesUrl + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {places: []}; })
        .then(function (data) {
          list.textContent = "";
          data.places.forEach(function (place) {
            suggestions[place.address] = place;
            var option = document.createElement("option");
            option.value = place.address;
            list.appendChild(option);
            // Typed in full: that is the place.
            if (place.address.toLowerCase() === addressInput.value.trim().toLowerCase()) {
              setPoint(place.lat, place.long, "address");
            }
          });
        });
    }, 200));
  }

  // ---- Category: search as you type, by the server's rules (names, descriptions, keywords, synonyms).
  var search = $("category-search"), count = $("category-count"), searchButton = $("category-search-button");
  function filterServices() {
    var text = search.value.trim();
    fetch(form.dataset.servicesUrl + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var shown = {};
        data.services.forEach(function (s) { shown[s.service_code] = true; });
        form.querySelectorAll("[data-service-code]").forEach(function (choice) {
          choice.hidden = !shown[choice.dataset.serviceCode];
        });
        form.querySelectorAll("[data-group]").forEach(function (group) {
          group.hidden = !group.querySelector("[data-service-code]:not([hidden])");
        });
        if (!count) return;
        var n = data.services.length;
        count.textContent = !text ? "" : n === 0 ? count.dataset.none :
          (n === 1 ? count.dataset.one : count.dataset.many).replace("__count__", n);
      });
  }
  if (search) {
    search.addEventListener("input", debounce(filterServices, 200));
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); filterServices(); }
    });
    if (searchButton) searchButton.addEventListener("click", function (event) { event.preventDefault(); filterServices(); });
  }

  function chosenService() {
    var checked = form.querySelector("input[name=service]:checked");
    if (checked) return checked;
    return form.querySelector("input[type=hidden][name=service]");
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name !== "service" || target.type !== "radio") return;
    fetch(form.dataset.questionsUrl + encodeURIComponent(target.value) + "/", {credentials: "same-origin"})
      .then(function (r) { return r.text(); })
      .then(function (html) { $("questions").innerHTML = html; });
    var hint = $("contact-hint");
    if (hint) hint.textContent = target.dataset.anonymous === "false" ? hint.dataset.required : hint.dataset.optional;
    var cont = $("continue-button");
    if (cont) cont.hidden = true;
    refreshNearby();
  });

  // ---- "Is it one of these?"
  var refreshNearby = debounce(function () {
    var service = chosenService(), here = point(), section = $("nearby-section");
    if (!service || !here || !section) return;
    var url = form.dataset.nearbyUrl + "?service=" + encodeURIComponent(service.value) +
      "&lat=" + here[0] + "&long=" + here[1];
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
      $("nearby").innerHTML = html;
      section.hidden = !$("nearby").querySelector("[data-me-too]");
    });
  }, 250);

  // ---- Photos: the GPS of the first one offered as the place; each shrunk to a JPEG of at most 1600 px.
  var photoInput = $("id_photos"), previews = $("photo-previews"), send = $("send-report");
  var pending = 0;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp|gif)$/.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, {type: "image/jpeg"}));
        }, "image/jpeg", QUALITY);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); }; // the server words the error
      img.src = url;
    });
  }

  function offerPhotoPlace(file) {
    if (point() || (addressInput && addressInput.value.trim())) return Promise.resolve();
    var body = new FormData();
    body.append("photo", file);
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    return fetch(form.dataset.photoLocationUrl, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) {
        if (!data.position) return;
        setPoint(data.position.lat, data.position.long, "photo");
        if (data.position.address && addressInput && !addressInput.value) addressInput.value = data.position.address;
        say(statusLine.dataset.fromPhoto + " " + (data.position.address || (data.position.lat.toFixed(5) + ", " + data.position.long.toFixed(5))));
      }).catch(function () {});
  }

  if (photoInput && window.DataTransfer && window.Promise) {
    photoInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(photoInput.files);
      if (!files.length) return;
      pending += 1;
      if (send) send.disabled = true;
      var first = files[0];
      offerPhotoPlace(first).then(function () {
        return Promise.all(files.map(shrink));
      }).then(function (shrunk) {
        var transfer = new DataTransfer();
        shrunk.forEach(function (f) { transfer.items.add(f); });
        photoInput.files = transfer.files;
        if (previews) {
          previews.textContent = "";
          shrunk.forEach(function (f, i) {
            if (!/^image\//.test(f.type)) return;
            var li = document.createElement("li"), img = document.createElement("img");
            img.src = URL.createObjectURL(f);
            img.alt = (photoInput.dataset.previewLabel || "Photo") + " " + (i + 1);
            li.appendChild(img);
            previews.appendChild(li);
          });
        }
      }).finally(function () {
        pending -= 1;
        if (send && !pending) send.disabled = false;
      });
    });
  }

  startMap();
})();
