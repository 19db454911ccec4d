/* The map screen (templates/exchange/map.html): loads the site's GeoJSON from the API (the session signs
 * the request) and draws it with Leaflet: equipment as round markers coloured by status, with the number of
 * open orders and a red ring when some are late; areas as outlines or small circles. Each opens a popup
 * linking to its asset page. The list beside the map is the same places and works without this script;
 * the script adds a "Show on map" button to each of its items.
 *
 * Stable hooks (for people and browser tests): each marker is `.map-marker[data-tag="<tag>"]`, each area
 * shape `.map-area[data-code="<code>"]`, each list item `#map-feature-<tag>` / `#map-feature-area-<code>`,
 * the popup's link `.map-popup-link`. No build step: plain JavaScript and the vendored Leaflet. */
(function () {
  "use strict";

  var element = document.getElementById("site-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var texts = JSON.parse(document.getElementById("map-texts").textContent);
  var status = document.getElementById("map-status");

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    node.textContent = content;
    return node;
  }

  // Popup content built as DOM nodes with textContent: names come from users and files, never as HTML.
  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var key = properties.kind === "resource" ? properties.tag : properties.code;
    var title = document.createElement("p");
    title.appendChild(text("strong", "", key));
    title.appendChild(document.createTextNode(" " + properties.name));
    box.appendChild(title);
    var facts = [];
    if (properties.kind === "resource") {
      facts.push(properties.status_label);
    } else {
      facts.push(properties.area_kind_label);
    }
    if (properties.open_orders !== null && properties.open_orders !== undefined) {
      facts.push(properties.open_orders + " " + texts.open);
      if (properties.late_orders) {
        facts.push(properties.late_orders + " " + texts.late);
      }
    }
    if (properties.position_source === "area") {
      facts.push(texts.fromArea + " " + (properties.position_area || ""));
    }
    box.appendChild(text("p", "", facts.join(" · ")));
    var link = text("a", "map-popup-link", texts.link);
    link.href = properties.url;
    box.appendChild(link);
    return box;
  }

  function markerClasses(properties) {
    var classes = ["map-marker", "status-" + properties.status];
    if (properties.open_orders) {
      classes.push("has-open");
    }
    if (properties.late_orders) {
      classes.push("has-late");
    }
    if (properties.position_source === "area") {
      classes.push("from-area");
    }
    return classes.join(" ");
  }

  function describe(properties) {
    var parts = [properties.tag + " " + properties.name, properties.status_label];
    if (properties.open_orders) {
      parts.push(properties.open_orders + " " + texts.open);
    }
    if (properties.late_orders) {
      parts.push(properties.late_orders + " " + texts.late);
    }
    return parts.join(", ");
  }

  var map = null;
  var layers = {}; // "resource:<tag>" or "area:<code>" -> the Leaflet layer of its first feature

  function remember(properties, layer) {
    var key = properties.kind + ":" + (properties.kind === "resource" ? properties.tag : properties.code);
    if (!layers[key]) {
      layers[key] = layer;
    }
  }

  function draw(collection) {
    element.hidden = false;
    map = L.map(element, { preferCanvas: false });
    var tileUrl = element.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    var shapes = L.geoJSON(collection, {
      filter: function (feature) {
        return feature.properties.kind === "area";
      },
      style: function () {
        return { className: "map-area", weight: 2, fillOpacity: 0.08 };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { className: "map-area map-area-point", radius: 6, weight: 2 });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popup(feature.properties));
        remember(feature.properties, layer);
        layer.on("add", function () {
          var path = layer.getElement && layer.getElement();
          if (path) {
            path.setAttribute("data-code", feature.properties.code);
          }
        });
      },
    }).addTo(map);
    var markers = L.geoJSON(collection, {
      filter: function (feature) {
        return feature.properties.kind === "resource";
      },
      pointToLayer: function (feature, latlng) {
        var properties = feature.properties;
        var icon = L.divIcon({
          className: markerClasses(properties),
          html: properties.open_orders ? String(properties.open_orders) : "",
          iconSize: [26, 26],
          iconAnchor: [13, 13],
          popupAnchor: [0, -13],
        });
        var marker = L.marker(latlng, { icon: icon, title: describe(properties), keyboard: true, riseOnHover: true });
        marker.on("add", function () {
          var node = marker.getElement();
          node.setAttribute("data-tag", properties.tag);
          node.setAttribute("data-status", properties.status);
          node.setAttribute("data-open", properties.open_orders || 0);
          node.setAttribute("data-late", properties.late_orders || 0);
          node.setAttribute("aria-label", describe(properties));
        });
        return marker;
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popup(feature.properties));
        remember(feature.properties, layer);
      },
    }).addTo(map);
    var bounds = shapes.getBounds().extend(markers.getBounds());
    if (!bounds.isValid()) {
      map.setView([0, 0], 2);
      say(texts.nothing);
      return;
    }
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), 17);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
    }
    var count = collection.features.length;
    say(count === 1 ? texts.drawnOne : texts.drawn.replace("%(n)s", String(count)));
    addListButtons();
  }

  function addListButtons() {
    var items = document.querySelectorAll("#map-features .map-feature");
    items.forEach(function (item) {
      var layer = layers[item.dataset.kind + ":" + item.dataset.key];
      if (!layer) {
        return;
      }
      var button = text("button", "map-show outline secondary", texts.showOnMap);
      button.type = "button";
      button.addEventListener("click", function () {
        element.scrollIntoView({ block: "nearest" });
        if (layer.getLatLng) {
          map.setView(layer.getLatLng(), Math.max(map.getZoom(), 17));
        } else if (layer.getBounds) {
          map.fitBounds(layer.getBounds(), { maxZoom: 18 });
        }
        layer.openPopup();
      });
      item.appendChild(button);
    });
  }

  say(texts.loading);
  fetch(element.dataset.geojsonUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/geo+json, application/json" },
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      element.hidden = true;
      say(texts.failed);
    });
})();
