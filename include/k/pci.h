/* SPDX-License-Identifier: MIT */
/*
 * PCI: configuration space through ports 0xcf8/0xcfc (PCI Local Bus spec 3.0,
 * 3.2.2.3.2, configuration mechanism #1), enumeration of bus 0 and the buses
 * behind PCI-PCI bridges, BARs, capabilities, MSI-X (spec 6.8.2).
 *
 * pci_scan hands each function to a callback with the identity fields filled
 * in; a driver that wants the device calls pci_setup for the rest (BAR sizing
 * touches the device, so only devices with a driver pay for it). Config space
 * accesses take a lock and may come from any core; a device itself belongs to
 * the driver that attached it.
 */
#ifndef K_PCI_H
#define K_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR        0x00
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_CLASS_REV     0x08
#define PCI_HEADER_TYPE   0x0e
#define PCI_BAR0          0x10
#define PCI_SUBSYSTEM     0x2c
#define PCI_CAP_PTR       0x34
#define PCI_INTR_LINE     0x3c
#define PCI_INTR_PIN      0x3d
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */

#define PCI_CMD_IO         (1u << 0)
#define PCI_CMD_MEM        (1u << 1)
#define PCI_CMD_MASTER     (1u << 2)
#define PCI_CMD_INTX_OFF   (1u << 10)
#define PCI_STATUS_CAPS    (1u << 4)

#define PCI_CAP_MSIX    0x11
#define PCI_CAP_VENDOR  0x09

struct pci_bar {
	uint64_t base;  /* bus = physical address, or I/O port */
	uint64_t size;  /* 0: BAR not implemented */
	bool io;
	bool mem64;
	bool prefetch;
};

struct pci_dev {
	/* Set by pci_scan. */
	uint8_t bus, slot, func;
	uint8_t header_type; /* without the multi-function bit */
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	/* Set by pci_setup. */
	uint16_t subvendor, subdevice;
	uint8_t irq_line, irq_pin; /* pin 0: no INTx */
	uint8_t msix_cap;          /* offset of the MSI-X capability, 0 none */
	struct pci_bar bar[6];
	/* Set by pci_msix_enable. */
	volatile uint32_t *msix_table;
	unsigned msix_count;
};

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Call fn for every function found; the number found. Costs two port accesses
 * when there is no PCI (microvm, Firecracker). fn's pci_dev is only valid
 * during the call: copy it to keep it. */
typedef void (*pci_found_fn)(const struct pci_dev *d);
int pci_scan(pci_found_fn fn);

/* Read subsystem ids, interrupt line/pin, size the BARs, find MSI-X.
 * 0, or -EIO when the device reports junk (said on the console). */
int pci_setup(struct pci_dev *d);
/* Set bits in the command register (PCI_CMD_*). */
void pci_enable(const struct pci_dev *d, uint16_t cmd_bits);
/* Offset of the first capability `id` after offset `after` (0: from the
 * start), 0 when none. The walk is bounded: a looping list ends. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after);

/* Map [off, off+len) of memory BAR `bar` uncached: its address, or NULL when
 * the range is not inside an implemented memory BAR (or the BAR lies where
 * the kernel cannot map it). */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len);

/* Map the MSI-X table and turn MSI-X on with every entry masked (INTx off):
 * the number of entries, or -ENODEV / -EIO. */
int pci_msix_enable(struct pci_dev *d);
/* Program entry n with an address/data pair (irq_alloc_msi) and unmask it. */
int pci_msix_set(struct pci_dev *d, unsigned n, uint64_t addr, uint32_t data);

#endif
