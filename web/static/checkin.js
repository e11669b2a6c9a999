"use strict";
// A phone's camera fills the field where the browser can read QR codes itself (BarcodeDetector); elsewhere a
// handheld scanner or the phone's own camera app typing into the field does the same job.
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const button = document.getElementById("scan"), video = document.getElementById("camera");
  const field = document.getElementById("proof-text");
  if (!button || !video || !field) return;
  button.hidden = false;
  button.addEventListener("click", async function () {
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    const stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.srcObject = stream; video.hidden = false; await video.play();
    const timer = setInterval(async function () {
      const codes = await detector.detect(video);
      if (codes.length) {
        clearInterval(timer); stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true;
        field.value = codes[0].rawValue; document.getElementById("inspect").submit();
      }
    }, 250);
  });
})();
