import 'fake-indexeddb/auto';
import { fencedStoreCases } from '../fenced/cases.js';

fencedStoreCases('Node, fake-indexeddb');
