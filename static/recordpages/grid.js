/*
 * Moves between the cells of a grid (recordpages/grids.py, the class's year-end grid)
 * as on a paper table: Tab and the arrows; ← → leave a cell only from its first or
 * last character. A level cell takes one letter, upper-cased, and a D where the
 * table's levels have Đ (phẩm chất, năng lực) is read as Đ.
 */
(function () {
  "use strict";

  var CONTROLS = "input:not([type=hidden]), select, textarea";

  function cellOf(element) {
    return element.closest("td, th");
  }

  function controlIn(cell) {
    return cell ? cell.querySelector(CONTROLS) : null;
  }

  function nextInRow(cell, step) {
    var sibling = step > 0 ? cell.nextElementSibling : cell.previousElementSibling;
    while (sibling && !controlIn(sibling)) {
      sibling = step > 0 ? sibling.nextElementSibling : sibling.previousElementSibling;
    }
    return controlIn(sibling);
  }

  function nextInColumn(cell, step) {
    var column = cell.cellIndex;
    var row = cell.parentElement;
    do {
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
      var control = row && row.cells[column] ? controlIn(row.cells[column]) : null;
      if (control) {
        return control;
      }
    } while (row);
    return null;
  }

  function atEdge(element, step) {
    if (element.tagName === "SELECT" || element.selectionStart === null) {
      return true;
    }
    if (element.selectionStart !== element.selectionEnd) {
      return false;
    }
    return step < 0 ? element.selectionStart === 0 : element.selectionEnd === element.value.length;
  }

  function onKey(event) {
    var element = event.target;
    if (!element.matches || !element.matches(CONTROLS) || event.altKey || event.metaKey) {
      return;
    }
    var cell = cellOf(element);
    var target = null;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var step = event.key === "ArrowRight" ? 1 : -1;
      if (atEdge(element, step)) {
        target = nextInRow(cell, step);
      }
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      if (element.tagName !== "SELECT" || event.ctrlKey) {
        target = nextInColumn(cell, event.key === "ArrowDown" ? 1 : -1);
      }
    }
    if (target) {
      event.preventDefault();
      target.focus();
      if (target.select && target.tagName === "INPUT") {
        target.select();
      }
    }
  }

  function onInput(event) {
    var element = event.target;
    if (!element.list || element.maxLength !== 1) {
      return;
    }
    var value = element.value.toUpperCase();
    if (value === "D" && element.list.querySelector('option[value="Đ"]')) {
      value = "Đ";
    }
    if (value !== element.value) {
      element.value = value;
    }
  }

  function start() {
    document.querySelectorAll("table[data-hoso-grid]").forEach(function (table) {
      table.addEventListener("keydown", onKey);
      table.addEventListener("input", onInput);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
