{{header}}
'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
{{up}}
  },

  async down(queryInterface, Sequelize) {
{{down}}
  },
};
