/* Served by the web push tests at https://d2r1yp2w7bby2u.cloudfront.net/js/wzrk_dialog.min.js.
 *
 * The CleverTap Web SDK draws its soft prompt with this script from CleverTap's CDN, which the npm package
 * does not ship (and the tests have no network). Like the collector for CleverTap's servers, this file
 * stands in for CleverTap's CDN, and does only what the SDK (clevertap.js, _handleNotificationRegistration)
 * relies on: it defines window.wzrkPermissionPopup.wizAlert(options, callback), shows the texts and colour
 * the SDK passes as text in a #wzrk_wrapper element (the id the SDK looks for and removes), and calls
 * callback(true) for the confirm button, callback(false) for the reject button. What the SDK passes, and
 * everything it does after the callback (registering the service worker, subscribing), is the real SDK's. */
(function () {
  "use strict";
  function el(tag, id, text) {
    var node = document.createElement(tag);
    node.id = id;
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }
  window.wzrkPermissionPopup = {
    wizAlert: function (options, callback) {
      window.__wizAlertCalls = (window.__wizAlertCalls || []).concat([JSON.parse(JSON.stringify(options))]);
      var wrapper = el("div", "wzrk_wrapper");
      wrapper.appendChild(el("div", "wzrk-title", options.title));
      wrapper.appendChild(el("div", "wzrk-body", options.body));
      var reject = el("button", "wzrk-cancel", options.rejectButtonText);
      var confirm = el("button", "wzrk-confirm", options.confirmButtonText);
      confirm.style.backgroundColor = options.confirmButtonColor;
      function answer(enabled) {
        return function () {
          wrapper.parentNode.removeChild(wrapper);
          callback(enabled);
        };
      }
      reject.addEventListener("click", answer(false));
      confirm.addEventListener("click", answer(true));
      wrapper.appendChild(reject);
      wrapper.appendChild(confirm);
      document.body.appendChild(wrapper);
    }
  };
})();
