/* SPDX-License-Identifier: MIT */
/*
 * mkpng: draws httpd's small logo (a "T" on a rounded, shaded square) as a
 * PNG at build time, so the example site has an image without a binary file
 * in the repository. Host tool: mkpng OUT.png. The PNG (ISO/IEC 15948) is
 * 8-bit indexed with a transparent colour; its zlib stream uses stored
 * (uncompressed) deflate blocks, which every decoder reads.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 48
#define H 48
#define SHADES 12

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[8];
	put32(hdr, len);
	memcpy(hdr + 4, type, 4);
	uint32_t crc = crc32(crc32(0, hdr + 4, 4), data, len);
	uint8_t tail[4];
	put32(tail, crc);
	fwrite(hdr, 1, 8, f);
	fwrite(data, 1, len, f);
	fwrite(tail, 1, 4, f);
}

/* Palette index of pixel (x, y): 0 transparent, 1..SHADES the square's
 * shading from top to bottom, SHADES + 1 the letter. */
static uint8_t pixel(int x, int y)
{
	const int r = 10, m = 2; /* corner radius, margin */
	int cx = x < m + r ? m + r : x > W - 1 - m - r ? W - 1 - m - r : x;
	int cy = y < m + r ? m + r : y > H - 1 - m - r ? H - 1 - m - r : y;
	if (x < m || y < m || x > W - 1 - m || y > H - 1 - m ||
	    (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r)
		return 0;
	bool bar = y >= 11 && y <= 17 && x >= 10 && x <= 37;
	bool stem = x >= 21 && x <= 26 && y >= 11 && y <= 38;
	if (bar || stem)
		return SHADES + 1;
	return (uint8_t)(1 + (y - m) * SHADES / (H - 2 * m));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkpng OUT.png\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	fwrite(sig, 1, 8, f);

	uint8_t ihdr[13];
	put32(ihdr, W);
	put32(ihdr + 4, H);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 3;  /* indexed colour */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	chunk(f, "IHDR", ihdr, sizeof(ihdr));

	uint8_t plte[3 * (SHADES + 2)] = { 0 }, trns[1] = { 0 };
	for (int i = 0; i < SHADES; i++) { /* a red that darkens downwards */
		plte[3 * (i + 1)] = (uint8_t)(230 - i * 9);
		plte[3 * (i + 1) + 1] = (uint8_t)(70 - i * 4);
		plte[3 * (i + 1) + 2] = (uint8_t)(50 - i * 3);
	}
	memset(plte + 3 * (SHADES + 1), 255, 3);
	chunk(f, "PLTE", plte, sizeof(plte));
	chunk(f, "tRNS", trns, sizeof(trns)); /* index 0 fully transparent */

	/* Raw scanlines, each with filter byte 0, in one stored deflate block. */
	enum { RAW = H * (W + 1) };
	uint8_t idat[2 + 5 + RAW + 4];
	uint8_t *raw = idat + 7;
	for (int y = 0; y < H; y++) {
		raw[y * (W + 1)] = 0;
		for (int x = 0; x < W; x++)
			raw[y * (W + 1) + 1 + x] = pixel(x, y);
	}
	idat[0] = 0x78; /* deflate, 32 KiB window */
	idat[1] = 0x01; /* check bits: 0x7801 % 31 == 0 */
	idat[2] = 1;    /* BFINAL, stored */
	idat[3] = RAW & 0xff;
	idat[4] = RAW >> 8;
	idat[5] = (uint8_t)~idat[3];
	idat[6] = (uint8_t)~idat[4];
	uint32_t a = 1, b = 0; /* Adler-32 of the raw data */
	for (int i = 0; i < RAW; i++) {
		a = (a + raw[i]) % 65521;
		b = (b + a) % 65521;
	}
	put32(idat + 7 + RAW, (b << 16) | a);
	chunk(f, "IDAT", idat, sizeof(idat));
	chunk(f, "IEND", NULL, 0);
	if (fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
