// filing.js saves a draft request for help as it is typed (R-REQ-1: "drafts
// save as you go"). The form works without it: every button saves first.
// It sends the text fields, never the file, to the form's own address and
// keeps the revision the server returns, so a save from a stale page is
// refused instead of overwriting newer text.
(function () {
  "use strict";
  var form = document.getElementById("filing");
  var status = document.getElementById("autosave");
  if (!form || !status || !window.fetch || !window.URLSearchParams) { return; }
  var url = form.getAttribute("data-autosave");
  if (!url) { return; } // a published request's change is sent on purpose, not saved as typed
  var timer = null, busy = false, again = false, pending = null;
  var lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
  var text = {
    "zh-CN": { uploading: "正在上传，请稍候……", sending: "正在提交……", saving: "正在保存……", saved: "草稿已自动保存 ", stale: "草稿已在别处修改，请刷新页面后继续。", failed: "自动保存失败，请点“保存草稿”。", signin: "登录已过期，请重新登录；已保存的草稿不会丢失。" },
    "en": { uploading: "Uploading, please wait…", sending: "Sending…", saving: "Saving…", saved: "Draft saved at ", stale: "The draft was changed elsewhere; reload the page to go on.", failed: "Could not save automatically; press “Save draft”.", signin: "Your sign-in expired; sign in again. The saved draft is kept." }
  }[lang];
  function fields() {
    var data = new URLSearchParams();
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.type === "file" || el.disabled) { continue; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { continue; }
      data.append(el.name, el.value);
    }
    return data;
  }
  function save() {
    if (busy) { again = true; return; }
    busy = true;
    status.textContent = text.saving;
    fetch(url, { method: "POST", body: fields(), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) {
        if (resp.status === 401) { status.textContent = text.signin; return null; }
        if (resp.status === 409) { status.textContent = text.stale; return null; }
        if (!resp.ok) { status.textContent = text.failed; return null; }
        return resp.json();
      })
      .then(function (body) {
        if (!body) { return; }
        form.elements.revision.value = body.revision;
        status.textContent = text.saved + body.saved;
      })
      .catch(function () { status.textContent = text.failed; })
      .then(function () {
        busy = false;
        if (again) { again = false; save(); return; }
        if (pending) {
          // A button pressed while a save was on its way: press it now,
          // with the revision that save returned.
          var button = pending; pending = null;
          if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
        }
      });
  }
  function later(ev) {
    if (ev.target && ev.target.type === "file") { return; }
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (ev) {
    clearTimeout(timer);
    if (busy) { ev.preventDefault(); pending = ev.submitter || null; again = false; return; }
    // The form is on its way: say so (a photo takes a while on a phone
    // network), and keep a second tap from sending it twice. The buttons
    // are disabled only after the browser has read the one pressed.
    var button = ev.submitter;
    status.textContent = button && button.id === "upload" ? text.uploading : text.sending;
    setTimeout(function () {
      var buttons = form.querySelectorAll("button");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
  });
  // Coming back with the browser's Back button shows the page as it was
  // left: give the buttons back.
  window.addEventListener("pageshow", function () {
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
  });
})();
