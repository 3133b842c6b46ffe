// Progressive enhancement for the product page: picking a variant updates the price,
// stock note and SKU in place. Everything works without this file (the radio buttons and
// the form submit carry the choice).
(function () {
  // The bag count lives in a plain cookie the server refreshes on every bag change, so
  // the shared cached pages need not know who is looking.
  var m = document.cookie.match(/(?:^|; )bq_cart=(\d+)/);
  var bag = document.querySelector(".cart-link");
  if (bag && m && m[1] !== "0") bag.textContent = "Bag (" + m[1] + ")";
  // Checkout: the totals come from the server, so choosing a payment method re-asks it
  // (the same POST the "Update" buttons make without JavaScript). Text fields are left
  // alone: their change event fires when the shopper merely leaves the field, and a
  // reload in the middle of typing an address would lose their place.
  var checkout = document.querySelector(".checkout-form");
  if (checkout) {
    checkout.addEventListener("change", function (e) {
      var name = e.target && e.target.name;
      // The email (and the mail box) is remembered for the abandoned-checkout reminder,
      // in the background; nothing on the page changes.
      if (name === "email" || name === "marketing") {
        var email = checkout.querySelector("[name=email]");
        var box = checkout.querySelector("[name=marketing]");
        var csrf = checkout.querySelector("[name=csrf_token]");
        if (email && email.value.indexOf("@") > 0 && csrf && window.fetch) {
          var body = new URLSearchParams();
          body.set("csrf_token", csrf.value);
          body.set("email", email.value);
          if (box && box.checked) body.set("marketing", "1");
          fetch("/checkout/contact", { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
        }
        return;
      }
      if (name !== "method") return;
      var action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "update";
      checkout.appendChild(action);
      checkout.submit();
    });
  }
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
  // Add to bag: the cached page carries no CSRF token, so fetch this visitor's token and
  // post a real form (the server answers with the bag or a clear error page). Without
  // this script the form goes to /cart, which asks to confirm the add.
  form.addEventListener("submit", function (e) {
    var data = new FormData(form);
    var variant = data.get("variant");
    if (!variant) return;
    e.preventDefault();
    var button = document.getElementById("add");
    if (button) button.disabled = true;
    fetch("/cart/token", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("token"); return r.json(); })
      .then(function (t) {
        var post = document.createElement("form");
        post.method = "post";
        post.action = "/cart/add";
        [["csrf_token", t.csrf], ["variant", variant], ["qty", data.get("qty") || "1"]].forEach(function (kv) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = kv[0];
          input.value = kv[1];
          post.appendChild(input);
        });
        document.body.appendChild(post);
        post.submit();
      })
      .catch(function () { form.submit(); });
  });
})();

// The card pay page: opens Razorpay's Standard Checkout (its script is loaded by that
// page only) with the order Razorpay made for us. Razorpay posts the signed result to
// our return address (callback_url), where the server verifies it.
(function () {
  var b = document.getElementById("rzp-pay");
  if (!b) return;
  b.addEventListener("click", function () {
    if (typeof window.Razorpay !== "function") {
      b.insertAdjacentHTML("afterend", '<p class="notice error">Razorpay could not be loaded. Check your connection and reload the page.</p>');
      return;
    }
    var d = b.dataset;
    new window.Razorpay({
      key: d.key,
      order_id: d.order,
      amount: Number(d.amount),
      currency: d.currency,
      name: d.name,
      description: d.description,
      prefill: { email: d.email, contact: d.contact },
      callback_url: d.callback,
      redirect: true
    }).open();
  });
})();

// Reviews on a product page: "More reviews" loads the next page in place (the link
// still works without JavaScript). The next page's reviews and its own "More" link are
// taken from the page the link points at.
(function () {
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("#more-reviews");
    if (!a) return;
    e.preventDefault();
    a.setAttribute("aria-busy", "true");
    fetch(a.href, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var list = document.querySelector("#reviews ol.review-list");
        doc.querySelectorAll("#reviews ol.review-list > li").forEach(function (li) {
          list.appendChild(document.importNode(li, true));
        });
        var next = doc.getElementById("more-reviews");
        if (next) { a.href = next.href; a.removeAttribute("aria-busy"); }
        else { a.parentNode.remove(); }
      })
      .catch(function () { window.location = a.href; });
  });
})();
