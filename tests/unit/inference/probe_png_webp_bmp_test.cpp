// PNG, WebP and BMP headers read as libpng, libwebp and OpenCV's BMP reader read them.
#include "crafted_images.hpp"

namespace ov::inference {
namespace {

using namespace test;

TEST(ProbePng, IhdrFirstAndValid) {
  expect_refused(png_ihdr(0, 10), Errc::invalid_argument, "zero width or height");
  expect_refused(png_ihdr(0x80000000u, 1), Errc::invalid_argument, "2^31-1");
  expect_refused(png_ihdr(1'000'001, 1), Errc::invalid_argument, "libpng's 1000000");
  expect_refused(png_ihdr(1, 2'000'000), Errc::invalid_argument, "1x2000000 is over libpng");
  expect_refused(png_ihdr(8000, 8000), Errc::too_large, "8000x8000");
  expect_refused(png_ihdr(16, 16, 4, 2), Errc::invalid_argument, "bit depth 4 with colour type 2");
  expect_refused(png_ihdr(16, 16, 16, 3), Errc::invalid_argument, "colour type 3");
  expect_refused(png_ihdr(16, 16, 8, 5), Errc::invalid_argument, "colour type 5");
  expect_refused(png_ihdr(16, 16, 8, 2, 2), Errc::invalid_argument, "interlace");
  expect_refused(png_ihdr(16, 16, 8, 2, 0, 12), Errc::invalid_argument, "not 13 bytes");
  Bytes text_first = png_ihdr(16, 16);
  std::copy_n("tEXt", 4, text_first.begin() + 12);
  expect_refused(text_first, Errc::invalid_argument, "the first chunk is not IHDR");
  const Bytes ihdr = png_ihdr(16, 16);
  expect_refused(Bytes(ihdr.begin(), ihdr.begin() + 20), Errc::invalid_argument, "truncated IHDR");
}

TEST(ProbePng, OrdinaryPngs) {
  const cv::Mat m = noise(71, 33);
  cv::Mat wide;
  m.convertTo(wide, CV_16UC3, 257.0);
  expect_decodes(encode(m, ".png"), 71, 33);
  expect_decodes(encode(wide, ".png"), 71, 33);
  expect_decodes(encode(noise(71, 33, CV_8UC1), ".png"), 71, 33);
  expect_decodes(encode(noise(71, 33, CV_8UC4), ".png"), 71, 33);
}

TEST(ProbeWebp, TheVp8xCanvasIsTheSizeAndMustMatchItsImage) {
  const Bytes frame = webp_chunks(encode(noise(64, 48), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}));
  expect_decodes(riff(join({vp8x_chunk(0, 64, 48), frame})), 64, 48);
  // OpenCV allocates the canvas before libwebp finds that it does not match the image.
  expect_refused(riff(join({vp8x_chunk(0, 12000, 12000), frame})), Errc::invalid_argument,
                 "the canvas is 12000x12000 but its image is 64x48");
  expect_refused(riff(join({vp8x_chunk(0, 4000, 4000), frame})), Errc::invalid_argument,
                 "the canvas is 4000x4000 but its image is 64x48");
  expect_refused(riff(join({vp8x_chunk(0, 8, 8), frame})), Errc::invalid_argument, "canvas is 8x8");
  // Optional chunks before the image are skipped, as libwebp does.
  expect_decodes(riff(join({vp8x_chunk(0x08, 64, 48), chunk("EXIF", Bytes(7, 0)), frame})), 64, 48);
  expect_refused(riff(join({vp8x_chunk(0, 64, 48), chunk("EXIF", Bytes(9, 0))})),
                 Errc::invalid_argument, "no image data");
  // A canvas over the pixel limit, its image matching, is too large.
  expect_refused(
      riff(join({vp8x_chunk(0, 8000, 8000), chunk("VP8L", {0x2F, 0x3F, 0xDF, 0xCF, 0x07})})),
      Errc::too_large, "8000x8000");
}

TEST(ProbeWebp, AnimationsAreRefused) {
  const Bytes frame = webp_chunks(encode(noise(64, 48), ".webp"));
  expect_refused(riff(join({vp8x_chunk(0x02, 6000, 6000), chunk("ANIM", Bytes(6, 0)), frame})),
                 Errc::invalid_argument, "animation");
}

TEST(ProbeWebp, LyingAndTruncatedFramesAreRefused) {
  Bytes lossy = encode(noise(64, 48), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  Bytes lying = lossy;
  lying[26] = lying[28] = 0x40;  // 8000 x 8000
  lying[27] = lying[29] = 0x1F;
  expect_refused(lying, Errc::too_large, "8000x8000");
  Bytes truncated(lossy.begin(), lossy.end() - 10);
  expect_refused(truncated, Errc::invalid_argument, "truncated");
  Bytes bad_start = lossy;
  bad_start[23] = 0;
  expect_refused(bad_start, Errc::invalid_argument, "start code");
  expect_refused(Bytes(lossy.begin(), lossy.begin() + 20), Errc::invalid_argument, "truncated");
  lossy.insert(lossy.end(), 16, 'x');  // bytes after the RIFF chunk are ignored
  expect_decodes(lossy, 64, 48);
}

TEST(ProbeWebp, LossyLosslessAndAlpha) {
  expect_decodes(encode(noise(64, 48), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), 64, 48);
  const Bytes lossless = encode(noise(64, 48), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  expect_decodes(lossless, 64, 48);
  EXPECT_GE(check_image(lossless, 0)->decoder_bytes, 4 * 64 * 48);
  expect_decodes(encode(noise(64, 48, CV_8UC4), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), 64, 48);
}

TEST(ProbeBmp, HeightSignZeroSizesAndInt32Min) {
  expect_decodes(bmp(16, 16), 16, 16);
  expect_decodes(bmp(16, -16), 16, 16);  // top-down
  expect_refused(bmp(16, -2147483648LL), Errc::invalid_argument, "-2^31");
  expect_refused(bmp(0, 16), Errc::invalid_argument, "width 0");
  expect_refused(bmp(-16, 16), Errc::invalid_argument, "width -16");
  expect_refused(bmp(16, 0), Errc::invalid_argument, "zero height");
  expect_refused(bmp(30000, 30000), Errc::too_large, "30000x30000");
}

TEST(ProbeBmp, HeaderVariantsBitDepthsAndCompressions) {
  for (std::uint32_t dib : {40u, 52u, 56u, 64u, 108u, 124u})
    expect_decodes(bmp(16, 9, 24, 0, dib), 16, 9);
  expect_decodes(bmp(16, 9, 24, 0, 12), 16, 9);  // OS/2 core header: 16-bit sizes
  expect_refused(bmp(16, 9, 16, 0, 12), Errc::invalid_argument, "16 bits per pixel in an OS/2");
  expect_refused(bmp(16, 9, 24, 0, 16), Errc::invalid_argument, "a 16-byte DIB header");
  for (int bpp : {1, 4, 8, 16, 24, 32}) expect_decodes(bmp(16, 9, bpp), 16, 9);
  expect_refused(bmp(16, 9, 2), Errc::invalid_argument, "2 bits per pixel");
  expect_refused(bmp(16, 9, 24, 4), Errc::invalid_argument, "compression 4");  // JPEG inside
  expect_refused(bmp(16, 9, 24, 1), Errc::invalid_argument, "compression 1");  // RLE8 needs 8
  expect_decodes(encode(noise(33, 17), ".bmp"), 33, 17);
}

}  // namespace
}  // namespace ov::inference
