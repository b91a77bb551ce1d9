// Call intake (/staff/intake/): the address box's suggestions, as an ARIA 1.2 combobox (the list follows
// the typing, arrow keys move, Enter takes one, Escape closes); the optional map point; filling the caller's
// details a search found; the open requests near the chosen place; and moving focus to what the agent
// reads next (the new number, or the first error). Everything else is htmx attributes in the templates.
(function () {
  "use strict";

  var SUGGEST_DELAY_MS = 150;

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function field(form, name) { return form.querySelector('[name="' + name + '"]'); }

  // The open requests near the file form's place, same service first ("already reported, I'll add you").
  function refreshNearby(form) {
    var address = document.getElementById("intake-address");
    if (!window.htmx || !address) return;
    var lat = field(form, "lat").value, long = field(form, "long").value;
    if (!address.value.trim() && !lat) return;
    var service = form.querySelector('[name="service"]:checked');
    var query = new URLSearchParams({address: address.value.trim(), lat: lat, long: long,
                                     service: service ? service.value : ""});
    htmx.ajax("GET", address.dataset.nearby + "?" + query.toString(), {target: "#intake-nearby", swap: "innerHTML"});
  }

  function addressBox(form, map) {
    var input = document.getElementById("intake-address");
    var list = document.getElementById("intake-address-list");
    if (!input || !list) return;
    var places = [], active = -1, timer = null, asked = 0, lastPlace = input.value;

    function close() {
      list.hidden = true;
      list.textContent = "";
      places = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, n) {
        option.setAttribute("aria-selected", String(n === index));
      });
      var option = list.children[index];
      if (option) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({block: "nearest"});
      }
    }

    function pick(index) {
      var place = places[index];
      if (!place) return;
      input.value = place.address;
      field(form, "lat").value = place.lat;
      field(form, "long").value = place.long;
      close();
      if (map) map.show(place.lat, place.long);
      lastPlace = input.value;
      refreshNearby(form);
    }

    function show(found) {
      close();
      places = found;
      if (!found.length) return;
      found.forEach(function (place, n) {
        var option = document.createElement("li");
        option.id = "intake-address-option-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = place.address;
        // mousedown, not click: it comes before the input's blur, which would close the list first.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(n); });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function suggest() {
      var text = input.value.trim();
      if (text.length < 2) { close(); return; }
      var mine = ++asked;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text),
            {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (mine === asked && document.activeElement === input) show(found); })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      // A typed address replaces any point picked before; the geocoder places it when filed.
      field(form, "lat").value = "";
      field(form, "long").value = "";
      clearTimeout(timer);
      timer = setTimeout(suggest, SUGGEST_DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && places.length > 0;
      if (!open) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(Math.max(0, Math.min(places.length - 1, active + step)));
      } else if (event.key === "Enter") {
        // Enter takes the highlighted suggestion (the first when none is): it does not file the form.
        event.preventDefault();
        pick(active >= 0 ? active : 0);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      close();
      if (input.value !== lastPlace) { lastPlace = input.value; refreshNearby(form); }
    });
  }

  function intakeMap(form) {
    var holder = document.getElementById("intake-map");
    if (!holder || !window.L) return null;
    // Not keyboard-operable on purpose: the address box is the keyboard's way; the map adds no tab stops.
    var map = L.map(holder, {keyboard: false, zoomControl: false, attributionControl: false})
      .setView([41.88, -87.68], 11);
    var marker = null;
    fetch(holder.dataset.districts, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var wards = L.geoJSON(data, {style: {color: "#5a6b7b", weight: 1, fillOpacity: 0.04}}).addTo(map);
        var lat = parseFloat(field(form, "lat").value), long = parseFloat(field(form, "long").value);
        if (!isNaN(lat) && !isNaN(long)) api.show(lat, long);
        else if (wards.getBounds().isValid()) map.fitBounds(wards.getBounds());
      });
    var api = {
      show: function (lat, long) {
        if (marker) marker.setLatLng([lat, long]);
        else marker = L.circleMarker([lat, long], {radius: 8, color: "#a4161a", weight: 2, fillOpacity: 0.8}).addTo(map);
        map.setView([lat, long], 16);
      }
    };
    map.on("click", function (event) {
      var lat = event.latlng.lat.toFixed(6), long = event.latlng.lng.toFixed(6);
      field(form, "lat").value = lat;
      field(form, "long").value = long;
      api.show(event.latlng.lat, event.latlng.lng);
      var address = document.getElementById("intake-address");
      address.value = "";
      // The address at the point, when the index has one near; otherwise the point alone is filed.
      fetch(address.dataset.suggest + "?lat=" + lat + "&long=" + long, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (found) { if (found.length) address.value = found[0].address; })
        .finally(function () { refreshNearby(form); });
    });
    return api;
  }

  function setUpForm() {
    var form = document.getElementById("intake-form");
    if (!form) return;
    var map = intakeMap(form);
    addressBox(form, map);
    form.addEventListener("change", function (event) {
      if (event.target.name === "service") refreshNearby(form);
    });
    var description = document.getElementById("intake-description");
    if (description) {
      description.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
  }

  // A search by phone or email found who the caller is: fill the caller fields the agent left empty
  // (never overwrite what they typed), and the address when the search was one.
  function fillCaller(results) {
    var found = results.querySelector(".intake-results");
    var form = document.getElementById("intake-form");
    if (!found || !form) return;
    var names = ["first_name", "last_name", "phone", "email", "address"];
    var filledAddress = false;
    names.forEach(function (name) {
      var value = found.getAttribute("data-fill-" + name);
      var input = field(form, name);
      if (value && input && !input.value.trim()) {
        input.value = value;
        if (name === "address") filledAddress = true;
      }
    });
    if (filledAddress) { field(form, "lat").value = ""; field(form, "long").value = ""; }
  }

  onReady(function () {
    setUpForm();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id === "intake-results") fillCaller(event.detail.target);
    });
    // After settling, not swapping: while it settles htmx puts the old elements' attributes on new ones of
    // the same id, then takes them back, which would strip the classes Leaflet gives the new map.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (event.detail.target.id !== "intake-file") return;
      setUpForm();
      var next = document.getElementById("intake-confirmation") || document.getElementById("intake-errors");
      if (next) next.focus();
    });
  });
})();
