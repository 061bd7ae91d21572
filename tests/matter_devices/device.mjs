// A matter.js virtual device for the commissioner's tests. One process per device, normally
// in its own network namespace (matter.js does not use loopback for mDNS).
//
//   node device.mjs '{"kind":"light","vendorId":65521,"productId":32768,"discriminator":3841,
//                     "passcode":20202021,"serial":"SN-1","softwareVersion":1,
//                     "storage":"/tmp/dev1","interface":"eth0"}'
//
// Prints one JSON line {"ready":true,...} when it is advertising, then logs nothing else
// unless asked. Ends on SIGTERM/SIGINT.
import { Environment, ServerNode, VendorId, DeviceTypeId, LogLevel, Logger, Bytes, Crypto, PrivateKey } from "@matter/main";
import { CertificationDeclaration } from "@matter/main/protocol";
import { OnOffLightDevice } from "@matter/main/devices/on-off-light";
import { OnOffPlugInUnitDevice } from "@matter/main/devices/on-off-plug-in-unit";
import { ContactSensorDevice } from "@matter/main/devices/contact-sensor";
import { TemperatureSensorDevice } from "@matter/main/devices/temperature-sensor";
import { WindowCoveringDevice } from "@matter/main/devices/window-covering";
import { DimmableLightDevice } from "@matter/main/devices/dimmable-light";

const KINDS = {
    light: OnOffLightDevice,
    plug: OnOffPlugInUnitDevice,
    contact: ContactSensorDevice,
    temperature: TemperatureSensorDevice,
    covering: WindowCoveringDevice,
    dimmer: DimmableLightDevice,
};

const cfg = JSON.parse(process.argv[2]);
Logger.level = cfg.logLevel ?? LogLevel.ERROR;
const env = Environment.default;
env.vars.set("storage.path", cfg.storage);
if (cfg.interface) env.vars.set("mdns.networkInterface", cfg.interface);

const type = KINDS[cfg.kind];
if (!type) throw new Error(`unknown kind ${cfg.kind}`);

// Optional own attestation material (hex): a DAC, its PAI and the DAC key pair, e.g. a chain
// under a PAA that no trust store holds (a counterfeit). The declaration is matter.js's test CD.
let operationalCredentials;
if (cfg.certification) {
    const c = cfg.certification;
    operationalCredentials = {
        certification: {
            privateKey: PrivateKey(Bytes.fromHex(c.privateKey), { publicKey: Bytes.fromHex(c.publicKey) }),
            certificate: Bytes.fromHex(c.certificate),
            intermediateCertificate: Bytes.fromHex(c.intermediateCertificate),
            declaration: await CertificationDeclaration.generate(env.get(Crypto), VendorId(cfg.vendorId), cfg.productId),
        },
    };
}

const node = await ServerNode.create({
    ...(operationalCredentials ? { operationalCredentials } : {}),
    id: cfg.id ?? `dev-${cfg.discriminator}`,
    network: { port: cfg.port ?? 5540 },
    commissioning: { passcode: cfg.passcode, discriminator: cfg.discriminator },
    productDescription: { name: cfg.name ?? `Test ${cfg.kind}`, deviceType: DeviceTypeId(type.deviceType) },
    basicInformation: {
        vendorName: cfg.vendorName ?? "Test Vendor",
        vendorId: VendorId(cfg.vendorId),
        productName: cfg.productName ?? `Test ${cfg.kind}`,
        productLabel: cfg.productName ?? `Test ${cfg.kind}`,
        nodeLabel: cfg.productName ?? `Test ${cfg.kind}`,
        productId: cfg.productId,
        serialNumber: cfg.serial,
        uniqueId: cfg.serial,
        softwareVersion: cfg.softwareVersion ?? 1,
        softwareVersionString: `${cfg.softwareVersion ?? 1}.0`,
        hardwareVersion: 1,
        hardwareVersionString: "1",
    },
});
await node.add(type);
await node.start();
const { qrPairingCode, manualPairingCode } = node.state.commissioning.pairingCodes;
process.stdout.write(JSON.stringify({ ready: true, qr: qrPairingCode, manual: manualPairingCode }) + "\n");

const stop = async () => {
    try { await node.close(); } finally { process.exit(0); }
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
