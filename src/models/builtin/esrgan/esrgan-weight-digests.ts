/**
 * sha256 of every file Atelier uses from the UpscalerJS weight packages, per published version.
 * The loader checks the installed files against these, so a damaged node_modules is reported
 * as such instead of producing quietly wrong pictures. A version missing here is still usable
 * (its files are structure-checked and pinned by the lockfile), just not digest-checked.
 */
export const esrganWeightDigests: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '@upscalerjs/esrgan-slim@1.0.0/x2': {
    'group1-shard1of1.bin': '5cb464ae4d390ce0a771afd5feaf60fbfcdb18ab48a56db98cdf6b88202369de',
    'model.json': '8efb488c2caed0196a6163e3f06798f9245e92623ffd50654a26c372e09150ea',
  },
  '@upscalerjs/esrgan-slim@1.0.0/x4': {
    'group1-shard1of1.bin': '82637daaf3ba024df5e9da2389e8992e7a6e8a992ba6268ce6bc490c92e9516e',
    'model.json': '3a2eaa642232567e7d2a2e7638c9704f42f63f355fc656c18aa78bf2da1d903d',
  },
  '@upscalerjs/esrgan-medium@1.0.0/x2': {
    'group1-shard1of1.bin': '6a210f30f209192bad4650ea4f619adadbd36228e998aa49a4195c6e7ec70761',
    'model.json': '197b99be1f385b9f7914ecd8fd6e9ebf65833859807aae90666188dbc39cbf93',
  },
  '@upscalerjs/esrgan-medium@1.0.0/x4': {
    'group1-shard1of1.bin': 'ed791214e78e498dd42ce5da0e16b78a1047732e5d99467aaead2a90cb566a69',
    'model.json': '6abcf2a497bb361a9b75afbab390a2bc0df88236c7b7c96edc1c2cdbdbec8e3c',
  },
  '@upscalerjs/esrgan-thick@1.0.0/x2': {
    'group1-shard1of7.bin': '61d89b10b777baa25042a99b1dc6747259b8d534327a102234514e5d51e10bbb',
    'group1-shard2of7.bin': '0e00153883cad381e8a61e393df9cc387f688ec29682f22e3b49c6385b92036d',
    'group1-shard3of7.bin': 'b6738bb9c0f3e950f0b446c5789ff9cba4436debc2b6df41703aafddd146c8cd',
    'group1-shard4of7.bin': '1a29e528ddfd2e266f6cd9e783447aeb76501d9124679092886585b591811e03',
    'group1-shard5of7.bin': '3b22a4bc2cbd12ab3e7d9b6cc8e91109721232c0a4992670573a99c5477ec5ec',
    'group1-shard6of7.bin': 'f5b06f4b6dee42f9e91ced00f5ab142b9d712aac9ae8c93b98fc0ecaad5d7ae8',
    'group1-shard7of7.bin': '313b834bbe681c564f92e13c7d9a240a30f01d5836048438e1351780cca0d312',
    'model.json': 'fa724ce9e0fc0e17af6422f8c981c10c8cbff039e8205911613b610b74446b96',
  },
  '@upscalerjs/esrgan-thick@1.0.0/x4': {
    'group1-shard1of7.bin': 'c2f3147cabd7451ca3c93090c0a0284034a2e1356c0ca16f72d39c46ab7fc9ea',
    'group1-shard2of7.bin': '6340d34ef2a1bf7cf32d5fc456662e39f9872a51d500a10907b9313f6278eb16',
    'group1-shard3of7.bin': '3467d72b6b9297dcf175244bc3462074ff7ed5c44f8dc3ba7a52bc843a51ee88',
    'group1-shard4of7.bin': 'c384e24ac8c11bd3e2a9211fcadc8a9077345cd780e59245e758b622f37c83ae',
    'group1-shard5of7.bin': '90a60275d08465ba206116731639d5d9c0c44102b7796c68d1346fa0d997eed0',
    'group1-shard6of7.bin': '1bfa5f625a7316030ac47b420e2a77b809bce28519d069c45cfa7567d223e524',
    'group1-shard7of7.bin': '349e03caf92240e7643f587f36501bd4826e55fa8dc334b29b17cf2699d341e3',
    'model.json': '960433910ae4b2bff56d78a9d6dffc1289db3441bd67436c574b850dca429461',
  },
};
