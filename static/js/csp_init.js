/*
 * Runs the initialisers that Wagtail's admin templates write as inline scripts.
 *
 * The Content-Security-Policy (cms/settings/base.py) refuses inline scripts, so the
 * project's copies of those templates (cms/templates/wagtailadmin/) write the arguments
 * as JSON instead: <script type="application/json" data-hoso-init="NAME"
 * data-hoso-target="ELEMENT ID">. This file, served from our own origin, calls NAME
 * for each one, on load and for forms added later (an inline panel's "Add" button).
 */
(function () {
  "use strict";

  var INITIALISERS = {
    initDateChooser: function (id, config) { window.initDateChooser(id, config); },
    initTimeChooser: function (id, config) { window.initTimeChooser(id, config); },
    initDateTimeChooser: function (id, config) { window.initDateTimeChooser(id, config); },
    InlinePanel: function (id, options) { return new window.InlinePanel(options); },
    MultipleChooserPanel: function (id, options) { return new window.MultipleChooserPanel(options); },
    chooser: function (id, options, element) {
      var Constructor = element.dataset.hosoConstructor.split(".").reduce(function (scope, name) {
        return scope[name];
      }, window);
      return new Constructor(id, options);
    },
  };
  var SELECTOR = 'script[type="application/json"][data-hoso-init]';

  function initialise(element) {
    if (element.dataset.hosoDone) {
      return;
    }
    // Inside an inline panel's <template>, the element is a blueprint, not a form.
    if (element.closest("template")) {
      return;
    }
    element.dataset.hosoDone = "1";
    var initialiser = INITIALISERS[element.dataset.hosoInit];
    if (!initialiser) {
      return;
    }
    try {
      initialiser(element.dataset.hosoTarget, JSON.parse(element.textContent), element);
    } catch (error) {
      window.console.error("csp_init: " + element.dataset.hosoInit, error);
    }
  }

  function initialiseWithin(root) {
    if (root.matches && root.matches(SELECTOR)) {
      initialise(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll(SELECTOR).forEach(initialise);
    }
  }

  function start() {
    initialiseWithin(document);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) {
            initialiseWithin(node);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
