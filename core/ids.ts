import { z } from 'zod';

// Ids end up in MQTT topic levels and InfluxDB tags: no '/', '+', '#', spaces or commas.
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const Id = z.string().regex(ID_PATTERN, 'expected an id: 1–64 of A–Z a–z 0–9 _ . - starting with a letter or digit');
