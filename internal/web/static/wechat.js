// carefund inside WeChat. Three pages use this script, each found by an
// element the server renders with its data; nothing here is trusted by
// the server, which learns of a payment only from WeChat Pay.
//
//  - #wechat-share (a request page inside WeChat): wx.config with the
//    server's signature, then the share card. Without the JS-SDK (its
//    script did not load) the page stays as it is.
//  - #wechat-pay (JSAPI): WeixinJSBridge.invoke('getBrandWCPayRequest').
//    ok goes to the receipt, which shows the server's word; cancel and
//    fail say so, and the button tries again.
//  - #native-pay (desktop): asks the server now and then whether the
//    order was paid, then goes to the receipt.
(function () {
  "use strict";

  function share(el) {
    var wx = window.wx;
    if (!wx || typeof wx.config !== "function") {
      return;
    }
    var d = el.dataset;
    wx.config({
      debug: false,
      appId: d.appId,
      timestamp: Number(d.timestamp),
      nonceStr: d.nonceStr,
      signature: d.signature,
      jsApiList: d.apis.split(",")
    });
    wx.ready(function () {
      var card = { title: d.title, desc: d.desc, link: d.link, imgUrl: d.imgUrl };
      wx.updateAppMessageShareData(card);
      wx.updateTimelineShareData({ title: d.title, link: d.link, imgUrl: d.imgUrl });
    });
  }

  function pay(el) {
    var d = el.dataset;
    var status = document.getElementById("pay-status");
    var button = document.getElementById("pay-button");
    var say = function (text) { status.textContent = text; };
    var invoke = function () {
      if (!window.WeixinJSBridge) {
        say(status.dataset.nobridge);
        return;
      }
      button.disabled = true;
      say(status.dataset.wait);
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", {
        appId: d.appId,
        timeStamp: d.timeStamp,
        nonceStr: d.nonceStr,
        "package": d["package"],
        signType: d.signType,
        paySign: d.paySign
      }, function (res) {
        var msg = res && res.err_msg;
        if (msg === "get_brand_wcpay_request:ok") {
          window.location.assign(d.receipt);
          return;
        }
        button.disabled = false;
        say(msg === "get_brand_wcpay_request:cancel" ? status.dataset.cancel : status.dataset.fail);
      });
    };
    button.addEventListener("click", invoke);
    if (window.WeixinJSBridge) {
      invoke();
    } else {
      document.addEventListener("WeixinJSBridgeReady", invoke, { once: true });
    }
  }

  function poll(el) {
    var d = el.dataset;
    var tries = 0;
    var ask = function () {
      tries++;
      fetch(d.status, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (o) {
          if (o && o.state && o.state !== "pending") {
            window.location.assign(d.receipt);
          } else if (tries < 300) {
            window.setTimeout(ask, 3000);
          }
        }, function () {
          if (tries < 300) {
            window.setTimeout(ask, 6000);
          }
        });
    };
    window.setTimeout(ask, 3000);
  }

  function start() {
    var el = document.getElementById("wechat-share");
    if (el) {
      share(el);
    }
    el = document.getElementById("wechat-pay");
    if (el) {
      pay(el);
    }
    el = document.getElementById("native-pay");
    if (el) {
      poll(el);
    }
  }

  // After load: the JS-SDK's script, deferred after this one, has run
  // (or failed) by then.
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
