// Progressive enhancement for the product page: picking a variant updates the price,
// stock note and SKU in place. Everything works without this file (the radio buttons and
// the form submit carry the choice).
(function () {
  // Wide screens show the listing filters open; phones keep them folded.
  var filters = document.querySelector(".filters details");
  if (filters && window.matchMedia("(min-width: 900px)").matches) filters.open = true;
  var form = document.getElementById("add-form");
  if (!form) return;
  var price = document.getElementById("price");
  var stock = document.getElementById("stock");
  function update(input) {
    if (!input || !price) return;
    var compare = input.getAttribute("data-compare");
    var now = document.createElement("span");
    now.className = compare ? "now sale" : "now";
    now.textContent = input.getAttribute("data-price");
    var wrap = document.createElement("span");
    wrap.className = "price";
    wrap.appendChild(now);
    if (compare) {
      var was = document.createElement("s");
      was.className = "was";
      was.textContent = compare;
      wrap.appendChild(was);
    }
    var off = input.getAttribute("data-off");
    if (compare && off) {
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "\u2212" + off + "%";
      wrap.appendChild(badge);
    }
    price.replaceChildren(wrap);
    var sku = document.getElementById("sku");
    if (sku) sku.textContent = input.getAttribute("data-sku") || "";
    if (stock) {
      var text = input.getAttribute("data-stock") || "";
      stock.textContent = text;
      stock.className = "stock" + (text.indexOf("Only") === 0 ? " low" : "");
    }
    var url = new URL(window.location.href);
    url.searchParams.set("variant", input.value);
    window.history.replaceState(null, "", url.toString());
  }
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "variant") update(e.target);
  });
})();
