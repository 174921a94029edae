import { useCallback, useEffect, useRef, useState } from "react";

/** The part of the Shape Detection API used here (not in TypeScript's DOM types yet). */
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
type BarcodeDetectorFactory = new (options: { formats: string[] }) => BarcodeDetectorLike;

const SCAN_EVERY_MS = 250;

function detectorClass(): BarcodeDetectorFactory | null {
  const candidate = (globalThis as { BarcodeDetector?: BarcodeDetectorFactory }).BarcodeDetector;
  return typeof candidate === "function" && Boolean(navigator.mediaDevices?.getUserMedia) ? candidate : null;
}

/**
 * Reads QR codes from the camera with the browser's own BarcodeDetector (Chromium on
 * Android, ChromeOS and macOS; Safari 17+). Where it is missing, `supported` is false and
 * the page relies on typing the code.
 */
export function useQrCamera(onCode: (code: string) => void) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [active, setActive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stopRef = useRef<() => void>(() => {});
  const onCodeRef = useRef(onCode);
  useEffect(() => {
    onCodeRef.current = onCode;
  });
  const Detector = detectorClass();

  const stop = useCallback(() => {
    stopRef.current();
    stopRef.current = () => {};
    setActive(false);
  }, []);

  const start = useCallback(async () => {
    const video = videoRef.current;
    if (!Detector || !video) return;
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      const detector = new Detector({ formats: ["qr_code"] });
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        detector
          .detect(video)
          .then((codes) => {
            const code = codes[0]?.rawValue;
            if (code) onCodeRef.current(code);
          })
          .catch(() => {}) // a frame that could not be read; the next one may be
          .finally(() => {
            busy = false;
          });
      }, SCAN_EVERY_MS);
      stopRef.current = () => {
        clearInterval(timer);
        for (const track of stream.getTracks()) track.stop();
        video.srcObject = null;
      };
      setActive(true);
    } catch (cause) {
      setError(cause instanceof Error && cause.name === "NotAllowedError" ? "Camera access was refused." : "The camera could not be started.");
    }
  }, [Detector]);

  useEffect(() => () => stopRef.current(), []);

  return { supported: Detector !== null, active, error, start, stop, videoRef };
}
