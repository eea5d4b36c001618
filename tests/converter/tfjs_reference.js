// Runs a TF.js graph model with TF.js itself (tfjs-core + tfjs-backend-cpu + tfjs-converter, all
// pure JavaScript) on a raw float32 input tensor, and writes every output as raw float32.
// Usage: NODE_PATH=third_party/npm node tfjs_reference.js MODEL.json INPUT.f32 OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');

// The model files are read from disk and handed to TF.js's own loader.
function fileHandler(modelPath) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
      const dir = path.dirname(modelPath);
      const specs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
        specs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs: specs,
        weightData: data,
      };
    },
  };
}

async function main() {
  const [modelPath, inputPath, outDir] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: tfjs_reference.js MODEL.json INPUT.f32 OUT_DIR');
  await tf.setBackend('cpu');
  const model = await tfconv.loadGraphModel(fileHandler(modelPath));
  const input = model.inputs[0];
  const raw = fs.readFileSync(inputPath);
  const values = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const x = tf.tensor(values, input.shape, 'float32');
  const names = model.outputs.map((o) => o.name);
  const outputs = await model.executeAsync({[input.name]: x}, names);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  fs.mkdirSync(outDir, {recursive: true});
  const index = [];
  for (let i = 0; i < list.length; ++i) {
    const data = await list[i].data();
    const file = names[i].replace(/[^A-Za-z0-9_]/g, '_') + '.f32';
    fs.writeFileSync(path.join(outDir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    index.push({name: names[i].replace(/:0$/, ''), shape: list[i].shape, file});
  }
  fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify(index, null, 1));
  console.log(`tfjs: ${index.map((o) => `${o.name} [${o.shape}]`).join(', ')}`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
